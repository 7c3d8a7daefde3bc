/**
 * JSON-lines files (one JSON value per line): appended one record at a time while a run
 * trains, rewritten atomically when records are dropped.
 *
 * @module
 */
import * as fs from "node:fs";
import { writeFileAtomic } from "./atomic_write.ts";

/**
 * Reads a JSON-lines file (one JSON value per non-empty line; an absent file is empty).
 *
 * @throws naming the file and line when a line is not JSON.
 */
export function readJsonLines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return parseJsonLines<T>(fs.readFileSync(file, "utf8"), file);
}

/**
 * Parses JSON-lines text (one JSON value per non-empty line).
 *
 * @param name names the text's file in errors.
 * @throws naming the file and line when a line is not JSON.
 */
export function parseJsonLines<T>(text: string, name: string): T[] {
  return text.split("\n").filter((l) => l.trim()).map((line, i) => {
    try {
      return JSON.parse(line) as T;
    } catch {
      throw new Error(`${name}: line ${i + 1} is not valid JSON`);
    }
  });
}

/** Appends `record` as one line. */
export function appendJsonLine(file: string, record: unknown): void {
  fs.appendFileSync(file, JSON.stringify(record) + "\n");
}

/** Replaces the file's content with `records`, one per line, atomically. */
export function writeJsonLines(file: string, records: readonly unknown[]): void {
  writeFileAtomic(file, records.map((r) => JSON.stringify(r) + "\n").join(""));
}
