/**
 * Shipped translation pairs (`assets/pretrained/<name>/`, beside the generators): a CycleGAN
 * run's two generators (`translator.ckpt`, float16 by default, no discriminators, pools or
 * optimiser state), its config, `run.json`, gzipped history and a few of its grids (as
 * `pretrained.ts` keeps them), and `model.json`, a {@link TranslatorManifest} whose SHA-256 of
 * the weights {@link openTranslator} checks before anything reads them.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic_write.ts";
import { loadCheckpoint, sha256Hex } from "../io/checkpoint.ts";
import { Translator } from "../models/translator.ts";
import { OptionError } from "../option_error.ts";
import type { CycleConfig, CycleMeta } from "./cycle_trainer.ts";
import {
  listPretrained,
  MANIFEST_FILE,
  PRETRAINED_DIR,
  TRANSLATOR_FORMAT,
  writeShippedLogs,
} from "./pretrained.ts";
import { RunDir } from "./run_dir.ts";

/** The weights file of a shipped pair. */
export const TRANSLATOR_FILE = "translator.ckpt";

/** `model.json` of a shipped translation pair. */
export interface TranslatorManifest {
  format: typeof TRANSLATOR_FORMAT;
  /** Its name (its directory). */
  name: string;
  /** What it is, for tables and pages. */
  label: string;
  /** Class A and class B. */
  from: number;
  to: number;
  /** Epochs and steps it trained. */
  epochs: number;
  steps: number;
  /** The commands that trained it, in order. */
  commands: string[];
  /** When its training ended, its speed, backend and machine. */
  date: string;
  sPerStep: number;
  backend: string;
  machine: string;
  /** The weights file. */
  translator: { file: string; bytes: number; sha256: string; float16: boolean };
  /** Scores per direction and of the baselines (`deno task export`); null until measured. */
  scores: Record<string, unknown> | null;
}

/**
 * Writes the shipped form of the finished CycleGAN run `run` into `<root>/<name>/` (replacing
 * what was there); returns its manifest, without scores.
 *
 * @throws naming the run when it is not a finished translation run.
 */
export async function exportTranslator(
  run: RunDir,
  options: { name: string; label: string; root?: string; float16?: boolean },
): Promise<TranslatorManifest> {
  const stats = run.stats();
  if (!stats) throw new Error(`${run.dir}: no run.json; was it trained by this version?`);
  const ckpt = run.loadCheckpoint<CycleMeta>();
  const translator = Translator.fromCheckpoint(ckpt, run.paths.checkpoint);
  const out = new RunDir(path.join(options.root ?? PRETRAINED_DIR, options.name));
  fs.rmSync(out.dir, { recursive: true, force: true });
  fs.mkdirSync(out.dir, { recursive: true });
  const float16 = options.float16 ?? true;
  const file = path.join(out.dir, TRANSLATOR_FILE);
  try {
    // fromCheckpoint took the step from the trainer's checkpoint: the file records it
    writeFileAtomic(file, await translator.encode(sha256Hex, { float16 }));
  } finally {
    translator.dispose();
  }
  const config = ckpt.meta.config as CycleConfig;
  out.writeConfig(config);
  fs.copyFileSync(run.paths.stats, out.paths.stats);
  writeShippedLogs(run, out, stats.stepsPerEpoch);
  const manifest: TranslatorManifest = {
    format: TRANSLATOR_FORMAT,
    name: options.name,
    label: options.label,
    from: config.from,
    to: config.to,
    epochs: ckpt.meta.step / stats.stepsPerEpoch,
    steps: ckpt.meta.step,
    commands: stats.commands,
    date: stats.date,
    sPerStep: stats.sPerStep,
    backend: stats.backend,
    machine: stats.machine,
    translator: {
      file: TRANSLATOR_FILE,
      bytes: fs.statSync(file).size,
      sha256: sha256Hex(fs.readFileSync(file)),
      float16,
    },
    scores: null,
  };
  writeJsonAtomic(path.join(out.dir, MANIFEST_FILE), manifest);
  return manifest;
}

/** Records `scores` in the manifest of the shipped pair in `dir`. */
export function recordTranslatorScores(dir: string, scores: Record<string, unknown>): void {
  const file = path.join(dir, MANIFEST_FILE);
  const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as TranslatorManifest;
  writeJsonAtomic(file, { ...manifest, scores });
}

/**
 * Opens the shipped pair `name`, its weights checked against the manifest's SHA-256. The caller
 * disposes the translator.
 *
 * @throws {OptionError} naming `pretrained` when there is no such pair; an Error naming the
 * file when the weights do not match their checksum.
 */
export function openTranslator(
  name: string,
  root: string = PRETRAINED_DIR,
): { translator: Translator; manifest: TranslatorManifest } {
  const names = listPretrained(root, TRANSLATOR_FORMAT);
  if (listPretrained(root).includes(name)) {
    throw new OptionError(
      `{pretrained} '${name}' is a generator, not a translation pair: 'deno task sample --pretrained ${name}' draws from it`,
    );
  }
  if (!names.includes(name)) {
    throw new OptionError(
      `no {pretrained} translation pair '${name}' in ${root}: expected one of ${
        names.join(", ") || "(none yet: train one with 'deno task train --model cyclegan')"
      }`,
    );
  }
  const dir = path.join(root, name);
  const manifest = JSON.parse(
    fs.readFileSync(path.join(dir, MANIFEST_FILE), "utf8"),
  ) as TranslatorManifest;
  const file = path.join(dir, manifest.translator.file);
  const digest = sha256Hex(fs.readFileSync(file));
  if (digest !== manifest.translator.sha256) {
    throw new Error(
      `${file}: SHA-256 ${digest} does not match ${manifest.translator.sha256} in its model.json (file corrupted or replaced)`,
    );
  }
  return { translator: Translator.fromCheckpoint(loadCheckpoint(file), file), manifest };
}

/** The translation pair of a run directory's latest checkpoint (the caller disposes it). */
export function runTranslator(run: RunDir): Translator {
  return Translator.fromCheckpoint(run.loadCheckpoint<CycleMeta>(), run.paths.checkpoint);
}
