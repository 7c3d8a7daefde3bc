/**
 * Shipped trained models (`assets/pretrained/<name>/`): what a user needs to sample from a run
 * and to redraw every figure of it without training. A shipped model is a run directory
 * ({@link RunDir} reads it) holding the generator alone instead of the trainer's checkpoint:
 *
 * - `generator.ckpt`: G and its EMA copy (no D, no optimiser state), float16 by default;
 * - `config.json`, `quality.jsonl`, `run.json` (steps per epoch, s/step, machine, commands, date)
 *   as the run wrote them;
 * - `history.jsonl.gz`: every step's losses, to 4 significant digits, gzipped;
 * - `samples/*.npy`: up to {@link SHIPPED_SNAPSHOTS} of the fixed-noise snapshots, spaced
 *   geometrically over training (dense early, where samples change most), as bytes (uint8
 *   `[n, 28, 28]`, 0..255);
 * - `model.json`: the {@link PretrainedManifest}: where the model came from, its scores, and the
 *   SHA-256 of `generator.ckpt`, checked by {@link openPretrained} before anything reads it.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic_write.ts";
import { sha256Hex } from "../io/checkpoint.ts";
import { decodeNpy, encodeNpy } from "../io/npy.ts";
import { saveGenerator } from "../models/generator_file.ts";
import type { ModelKind } from "../models/model_config.ts";
import { OptionError } from "../option_error.ts";
import { parseSnapshotName, RunDir } from "./run_dir.ts";

/** Where the shipped models live: `assets/pretrained/` of the repository. */
export const PRETRAINED_DIR: string = fileURLToPath(
  new URL("../../assets/pretrained", import.meta.url),
);

/** The manifest format of a shipped translation pair (`pretrained_translator.ts`). */
export const TRANSLATOR_FORMAT = "fashion-gan translator";

/** The name of a shipped model's manifest file. */
export const MANIFEST_FILE = "model.json";

/** Scores of a shipped model's samples (the judge's, against the test split). */
export interface PretrainedScores {
  /** Samples scored. */
  samples: number;
  /** FID, IS analogue, precision, recall, class entropy, least class share, as `evaluate`. */
  fid: number;
  is: number;
  precision: number;
  recall: number;
  classEntropy: number;
  minClassShare: number;
  /** The judge's mean confidence in its class for the samples. */
  meanConfidence: number;
  /** For a conditional model: the share of images the judge puts in the class asked for. */
  classAccuracy: number | null;
  /** FID of the same samples drawn with the float32 weights (the float16 check). */
  fidFloat32: number;
  /** FID of float32 samples of another noise seed: the size of FID's sampling noise. */
  fidOtherSeed: number;
}

/** `model.json`: what a shipped model is and where it came from. */
export interface PretrainedManifest {
  /** Marks the file. */
  format: "fashion-gan pretrained";
  /** The model's name (its directory). */
  name: string;
  /** What it is, for tables and pages. */
  label: string;
  /** The model kind. */
  model: ModelKind;
  /** Epochs and steps it trained. */
  epochs: number;
  steps: number;
  /** The commands that trained it, in order. */
  commands: string[];
  /** When its training ended (ISO 8601). */
  date: string;
  /** Seconds per training step, the backend and the machine. */
  sPerStep: number;
  backend: string;
  machine: string;
  /** The generator file: name, bytes, SHA-256 and whether its values are float16. */
  generator: { file: string; bytes: number; sha256: string; float16: boolean };
  /** The judge's scores of its samples; null until measured. */
  scores: PretrainedScores | null;
  /**
   * A StyleGAN's truncation and path-length scores (`eval/style_scores.ts`'s `StyleScores`,
   * recorded by `deno task export`); absent for other models.
   */
  style?: Record<string, unknown>;
}

/** Options of {@link exportPretrained}. */
export interface ExportOptions {
  /** The model's name: its directory under `root`. */
  name: string;
  /** What it is, for tables and pages. */
  label: string;
  /** Where shipped models live. Default {@link PRETRAINED_DIR}. */
  root?: string;
  /** Store the weights as float16 (half the size). Default true. */
  float16?: boolean;
}

/** Snapshots a shipped model keeps: enough for the figures and the GIF, few enough to ship. */
export const SHIPPED_SNAPSHOTS = 9;

/**
 * `count` of the indices 0..`total` - 1, spaced geometrically, first and last included (9 of
 * 50: 0, 1, 2, 3, 6, 11, 18, 30, 49).
 */
export function geometricPicks(total: number, count: number): number[] {
  if (total <= count) return Array.from({ length: total }, (_, i) => i);
  const picks = new Set<number>();
  for (let i = 0; i < count; i++) {
    picks.add(Math.round(Math.exp((Math.log(total) * i) / (count - 1))) - 1);
  }
  // rounding can merge early picks: fill with the smallest indices not taken
  for (let i = 0; picks.size < count; i++) picks.add(i);
  return [...picks].sort((a, b) => a - b);
}

/** A JSON value with every number rounded to `digits` significant digits. */
function rounded(value: unknown, digits: number): unknown {
  if (typeof value === "number") {
    return Number.isInteger(value) ? value : Number(value.toPrecision(digits));
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v, digits)]));
  }
  return value;
}

function sha256(file: string): string {
  return sha256Hex(fs.readFileSync(file));
}

/**
 * Writes the shipped form of the finished run `run` into `<root>/<name>/` (replacing what was
 * there) and returns its manifest, without scores.
 *
 * @throws naming the run when it has no checkpoint or no `run.json`.
 */
export async function exportPretrained(
  run: RunDir,
  options: ExportOptions,
): Promise<PretrainedManifest> {
  const stats = run.stats();
  if (!stats) throw new Error(`${run.dir}: no run.json; was it trained by this version?`);
  const out = new RunDir(path.join(options.root ?? PRETRAINED_DIR, options.name));
  fs.rmSync(out.dir, { recursive: true, force: true });
  const float16 = options.float16 ?? true;
  const generator = run.loadGenerator();
  try {
    fs.mkdirSync(out.dir, { recursive: true });
    await saveGenerator(out.paths.generator, generator, { float16 });
  } finally {
    generator.dispose();
  }
  const config = run.config();
  out.writeConfig(config);
  for (const file of ["quality", "stats"] as const) {
    if (fs.existsSync(run.paths[file])) fs.copyFileSync(run.paths[file], out.paths[file]);
  }
  writeShippedLogs(run, out, stats.stepsPerEpoch);
  const manifest: PretrainedManifest = {
    format: "fashion-gan pretrained",
    name: options.name,
    label: options.label,
    model: config.model.kind,
    epochs: run.history().length / stats.stepsPerEpoch,
    steps: run.history().length,
    commands: stats.commands,
    date: stats.date,
    sPerStep: stats.sPerStep,
    backend: stats.backend,
    machine: stats.machine,
    generator: {
      file: path.basename(out.paths.generator),
      bytes: fs.statSync(out.paths.generator).size,
      sha256: sha256(out.paths.generator),
      float16,
    },
    scores: null,
  };
  writeJsonAtomic(path.join(out.dir, MANIFEST_FILE), manifest);
  return manifest;
}

/**
 * Writes what a shipped model keeps of run `run`'s logs into `out`: every step's record to 4
 * significant digits, gzipped (`history.jsonl.gz`), and {@link SHIPPED_SNAPSHOTS} of its sample
 * grids spaced geometrically over training, as bytes. GAN runs and translation runs alike.
 */
export function writeShippedLogs(run: RunDir, out: RunDir, stepsPerEpoch: number): void {
  const history = run.history().map((r) => JSON.stringify(rounded(r, 4)) + "\n").join("");
  writeFileAtomic(
    `${out.paths.history}.gz`,
    gzipSync(new TextEncoder().encode(history), { level: 9 }),
  );
  const names = fs.readdirSync(run.paths.samples).filter((n) => parseSnapshotName(n) !== null);
  const stepOf = (name: string) => {
    const [kind, n] = name.slice(0, -4).split("-");
    return kind === "epoch" ? Number(n) * stepsPerEpoch : Number(n);
  };
  names.sort((a, b) => stepOf(a) - stepOf(b));
  for (const name of geometricPicks(names.length, SHIPPED_SNAPSHOTS).map((i) => names[i])) {
    const file = path.join(run.paths.samples, name);
    const arr = decodeNpy(fs.readFileSync(file), file);
    const bytes = arr.dtype === "|u1"
      ? arr.data as Uint8Array
      : Uint8Array.from(arr.data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    writeFileAtomic(path.join(out.paths.samples, name), encodeNpy(bytes, arr.shape));
  }
}

/**
 * Reads and validates the manifest `file` (a shipped model's `model.json`): the one reader of
 * the format.
 *
 * @example
 * ```ts
 * const m = readManifest("assets/pretrained/dcgan/model.json");
 * console.log(m.epochs, m.scores?.fid);
 * ```
 * @throws naming the file and the first field that is missing or of the wrong type.
 */
export function readManifest(file: string): PretrainedManifest {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: not a readable JSON file (${(err as Error).message})`);
  }
  const bad = (field: string, expected: string) =>
    new Error(
      `${file}: field '${field}' should be ${expected}, got ${JSON.stringify(fieldOf(m, field))}`,
    );
  if (m?.format !== "fashion-gan pretrained") throw bad("format", "'fashion-gan pretrained'");
  for (const f of ["name", "label", "model", "date", "backend", "machine"]) {
    if (typeof m[f] !== "string") throw bad(f, "a string");
  }
  for (const f of ["epochs", "steps", "sPerStep"]) {
    if (typeof m[f] !== "number" || !Number.isFinite(m[f])) throw bad(f, "a number");
  }
  if (!Array.isArray(m.commands) || m.commands.some((c) => typeof c !== "string")) {
    throw bad("commands", "a list of strings");
  }
  const g = m.generator as Record<string, unknown> | undefined;
  if (typeof g?.file !== "string") throw bad("generator.file", "a string");
  if (typeof g.bytes !== "number") throw bad("generator.bytes", "a number");
  if (typeof g.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(g.sha256)) {
    throw bad("generator.sha256", "64 hex digits");
  }
  if (typeof g.float16 !== "boolean") throw bad("generator.float16", "true or false");
  const s = m.scores as Record<string, unknown> | null | undefined;
  if (s !== null && (typeof s !== "object" || typeof s.fid !== "number")) {
    throw bad("scores", "null or scores with a numeric fid");
  }
  return m as unknown as PretrainedManifest;
}

function fieldOf(m: Record<string, unknown>, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>(
    (v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
    m,
  );
}

/** Records `scores` in the manifest of the shipped model in `dir`. */
export function recordPretrainedScores(dir: string, scores: PretrainedScores): void {
  const file = path.join(dir, MANIFEST_FILE);
  writeJsonAtomic(file, { ...readManifest(file), scores });
}

/** Records a StyleGAN's truncation and path-length scores in the manifest of the model in `dir`. */
export function recordPretrainedStyle(dir: string, style: object): void {
  const file = path.join(dir, MANIFEST_FILE);
  writeJsonAtomic(file, { ...readManifest(file), style });
}

/**
 * The names of the shipped models in `root` whose manifest has format `format`, sorted: the
 * generators by default; `"fashion-gan translator"` lists the translation pairs.
 */
export function listPretrained(
  root: string = PRETRAINED_DIR,
  format = "fashion-gan pretrained",
): string[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).filter((n) => manifestFormat(path.join(root, n)) === format).sort();
}

/** The `format` field of the manifest in `dir`, or null when there is none. */
export function manifestFormat(dir: string): string | null {
  const file = path.join(dir, MANIFEST_FILE);
  if (!fs.existsSync(file)) return null;
  try {
    const format = JSON.parse(fs.readFileSync(file, "utf8"))?.format;
    return typeof format === "string" ? format : null;
  } catch {
    return null;
  }
}

/** The manifest of `run` when it is a shipped model, else null. */
export function manifestOf(run: RunDir): PretrainedManifest | null {
  const file = path.join(run.dir, MANIFEST_FILE);
  return fs.existsSync(file) ? readManifest(file) : null;
}

/** One line saying where a shipped model came from: command, length, date, speed, machine. */
export function describePretrained(m: PretrainedManifest): string {
  return `shipped model '${m.name}' (${m.label}): ${m.steps.toLocaleString("en-US")} steps ` +
    `(${m.epochs.toFixed(2)} epochs), trained ${m.date.slice(0, 10)} with \`${
      m.commands.join("` then `") || "?"
    }\`, ${m.sPerStep.toFixed(3)} s/step on ${m.backend}, ${m.machine}; generator ${
      m.generator.float16 ? "float16" : "float32"
    }, ${(m.generator.bytes / 2 ** 20).toFixed(1)} MiB, SHA-256 checked`;
}

/** A shipped model, opened and checked. */
export interface Pretrained {
  /** Its directory, read as a run. */
  run: RunDir;
  /** Its manifest. */
  manifest: PretrainedManifest;
}

/**
 * Opens the shipped model `name`, checking its generator file against the SHA-256 of its
 * manifest.
 *
 * @throws {OptionError} naming the `pretrained` option when there is no such model; an Error
 * naming the file when the generator does not match its checksum.
 */
export function openPretrained(name: string, root: string = PRETRAINED_DIR): Pretrained {
  const dir = path.join(root, name);
  const manifestFile = path.join(dir, MANIFEST_FILE);
  if (!/^[\w.-]+$/.test(name) || !fs.existsSync(manifestFile)) {
    const names = listPretrained(root);
    throw new OptionError(
      `no {pretrained} model '${name}' in ${root}: expected one of ${names.join(", ") || "(none)"}`,
    );
  }
  if (manifestFormat(dir) === TRANSLATOR_FORMAT) {
    throw new OptionError(
      `{pretrained} '${name}' is a translation pair, not a generator: 'deno task translate --pretrained ${name}' uses it`,
    );
  }
  const manifest = readManifest(manifestFile);
  const run = new RunDir(dir);
  const digest = sha256(run.paths.generator);
  if (digest !== manifest.generator.sha256) {
    throw new Error(
      `${run.paths.generator}: SHA-256 ${digest} does not match ${manifest.generator.sha256} in ${manifestFile} (file corrupted or replaced)`,
    );
  }
  return { run, manifest };
}
