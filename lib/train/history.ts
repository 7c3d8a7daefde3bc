/**
 * `history.jsonl`: one JSON line per training step, appended as training goes, trimmed back to
 * the checkpoint's step on resume so no step is ever duplicated or lost.
 *
 * @module
 */
import * as fs from "node:fs";
import type { StepRecord } from "./gan_trainer.ts";

/** Reads every record of a history file (an absent file is an empty history). */
export function readHistory(file: string): StepRecord[] {
  return readJsonLines<StepRecord>(file);
}

/**
 * Reads a JSON-lines file (one JSON value per non-empty line; an absent file is empty).
 *
 * @throws naming the file and line when a line is not JSON.
 */
export function readJsonLines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim()).map((line, i) => {
    try {
      return JSON.parse(line) as T;
    } catch {
      throw new Error(`${file}: line ${i + 1} is not valid JSON`);
    }
  });
}

/**
 * Keeps the records of steps 1..`steps` and drops the rest (steps done after the checkpoint
 * being resumed, which will be redone).
 *
 * @throws when the file holds fewer than `steps` records (it does not belong to the checkpoint).
 */
export function trimHistory(file: string, steps: number): void {
  const records = readHistory(file).filter((r) => r.step <= steps);
  if (records.length !== steps) {
    throw new Error(`${file}: has ${records.length} steps up to step ${steps}, expected ${steps}`);
  }
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, records.map((r) => JSON.stringify(r) + "\n").join(""));
  fs.renameSync(tmp, file);
}

/** Appends one record. */
export function appendHistory(file: string, record: StepRecord): void {
  fs.appendFileSync(file, JSON.stringify(record) + "\n");
}
