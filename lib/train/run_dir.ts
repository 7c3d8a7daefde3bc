/**
 * A run directory: the one owner of its layout. Training writes it through this type
 * (`run.ts`); sampling, evaluation, the leaderboard and the notebooks read it through it.
 *
 * Files in a run directory:
 * - `config.json`: the {@link TrainConfig};
 * - `history.jsonl`: one {@link StepRecord} per step, appended as training goes;
 * - `quality.jsonl`: one {@link QualityRecord} per FID scored during training;
 * - `checkpoint.ckpt`: the latest trainer state (G, D, their EMA copy and Adam moments);
 * - `run.json`: {@link RunStats}: steps per epoch, the time training took, backend and machine;
 * - `samples/epoch-NNN.png` and `samples/step-NNNNNN.png`: the run's fixed noise drawn after an
 *   epoch or at a step, each with the images beside it as `.npy` (float32 `[n, 28, 28]` in
 *   [0, 1], the range `deno task evaluate --npy` scores).
 *
 * Every file written whole is written atomically; the two logs are appended a line at a time
 * and trimmed back to the checkpoint's step on resume, so no step is ever duplicated or lost.
 *
 * @module
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { batchesPerEpoch } from "../data/batches.ts";
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic_write.ts";
import { loadCheckpoint, saveCheckpoint } from "../io/checkpoint.ts";
import type { Checkpoint } from "../io/checkpoint_format.ts";
import { appendJsonLine, parseJsonLines, readJsonLines, writeJsonLines } from "../io/json_lines.ts";
import { decodeNpy, encodeNpy } from "../io/npy.ts";
import { Generator } from "../models/generator.ts";
import { loadGenerator } from "../models/generator_file.ts";
import { encodeGrayPng, tileImages } from "../viz/image_grid.ts";
import type { CycleConfig, CycleMeta, CycleStepRecord } from "./cycle_trainer.ts";
import type { StepRecord, TrainerMeta } from "./gan_trainer.ts";
import { type TrainConfig, withTrainDefaults } from "./train_config.ts";
import type * as tf from "@tensorflow/tfjs";

/** Where a run keeps its files. */
export interface RunPaths {
  config: string;
  history: string;
  quality: string;
  checkpoint: string;
  /** A generator-only file (`Generator.save`): what a shipped model holds instead of a checkpoint. */
  generator: string;
  stats: string;
  samples: string;
}

/** One line of `quality.jsonl`: a FID scored during training. */
export interface QualityRecord {
  /** Global step at which it was scored. */
  step: number;
  /** Epochs done at that point (fractional mid-epoch). */
  epoch: number;
  /** FID of `samples` images from G in evaluation mode against the test split. */
  fid: number;
  /** Images scored. */
  samples: number;
  /** Seconds the scoring took. */
  seconds: number;
}

/** `run.json`: how a run was trained, accumulated over every call that trained it. */
export interface RunStats {
  /** Batches per epoch of the training split it ran on. */
  stepsPerEpoch: number;
  /** Images in that split. */
  trainImages: number;
  /** Steps timed, over all calls. */
  steps: number;
  /** Seconds they took. */
  seconds: number;
  /** seconds / steps. */
  sPerStep: number;
  /** The backend of the last call that trained. */
  backend: string;
  /**
   * The arithmetic of that call's convolutions and matrix products (`fp32`, or `bf16` mixed
   * precision); runs written before it was recorded were fp32.
   */
  precision?: string;
  /** The machine of that call: CPU model and logical cores. */
  machine: string;
  /** When the last call that trained ended (ISO 8601, UTC). */
  date: string;
  /** The command line of each call that trained, in order (empty when none was given). */
  commands: string[];
}

/** What one call of training adds to `run.json`. */
export interface TrainingCall {
  /** Steps it trained. */
  steps: number;
  /** Seconds they took. */
  seconds: number;
  /** The backend it ran on. */
  backend: string;
  /** The precision it trained at (`fp32`, `bf16`). */
  precision: string;
  /** Batches per epoch of its training split. */
  stepsPerEpoch: number;
  /** Images in that split. */
  trainImages: number;
  /** The command line that started it, if any. */
  command?: string;
}

/** When a sample grid was drawn: after an epoch, or at a step mid-epoch. */
export type SnapshotTime = { epoch: number } | { step: number };

/** The file marking a `samples/` directory whose grids all hold [0, 1] (see `RunDir`). */
export const SNAPSHOT_RANGE_MARK = "RANGE-0-1";

const RANGE_MARK_TEXT = "every grid here holds [0, 1]\n";

/** Runs `write`, ignoring a directory that cannot be written (a read-only copy of a run). */
function writable(write: () => void): void {
  try {
    write();
  } catch (err) {
    if (!(err instanceof Deno.errors.PermissionDenied || /EACCES|EROFS/.test(String(err)))) {
      throw err;
    }
  }
}

/** The base name of a snapshot's files: `epoch-NNN` or `step-NNNNNN`. */
export function snapshotName(at: SnapshotTime): string {
  return "epoch" in at
    ? `epoch-${String(at.epoch).padStart(3, "0")}`
    : `step-${String(at.step).padStart(6, "0")}`;
}

/** When the snapshot file `name` (`epoch-NNN.npy`, `step-NNNNNN.npy`) was drawn, or null. */
export function parseSnapshotName(name: string): SnapshotTime | null {
  const m = /^(epoch|step)-(\d+)\.npy$/.exec(name);
  if (!m) return null;
  return m[1] === "epoch" ? { epoch: Number(m[2]) } : { step: Number(m[2]) };
}

/** One saved grid: the images of the run's fixed noise at one point of training. */
export interface SampleSnapshot {
  /** `epoch N` or `step N`. */
  label: string;
  /** Global step it was taken at. */
  step: number;
  /** Images `[count, 28, 28]` in [0, 1]. */
  images: Float32Array;
  /** Number of images. */
  count: number;
}

/** The machine, as {@link RunStats} records it. */
export function machineName(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model?.trim() || os.arch()}, ${cpus.length} logical CPUs`;
}

/** A run directory (which may not exist yet): its paths, readers and writers. */
export class RunDir {
  /** The file layout. */
  readonly paths: RunPaths;

  /** The run in directory `dir`. */
  constructor(readonly dir: string) {
    this.paths = {
      config: path.join(dir, "config.json"),
      history: path.join(dir, "history.jsonl"),
      quality: path.join(dir, "quality.jsonl"),
      checkpoint: path.join(dir, "checkpoint.ckpt"),
      generator: path.join(dir, "generator.ckpt"),
      stats: path.join(dir, "run.json"),
      samples: path.join(dir, "samples"),
    };
  }

  /** Whether the directory holds a checkpoint (a run that trained at least until one). */
  hasCheckpoint(): boolean {
    return fs.existsSync(this.paths.checkpoint);
  }

  /**
   * The run's configuration (`config.json`, fields it lacks from the report's defaults).
   *
   * @throws naming the file when it is missing or not JSON.
   */
  config(): TrainConfig {
    let text: string;
    try {
      text = fs.readFileSync(this.paths.config, "utf8");
    } catch {
      throw new Error(
        `${this.dir}: no ${path.basename(this.paths.config)}; is it a run directory?`,
      );
    }
    try {
      return withTrainDefaults(JSON.parse(text));
    } catch (err) {
      throw new Error(`${this.paths.config}: not a run configuration (${(err as Error).message})`);
    }
  }

  /** Every step's record (none when the file is absent); a shipped model's is gzipped. */
  history(): StepRecord[] {
    const gz = `${this.paths.history}.gz`;
    if (!fs.existsSync(this.paths.history) && fs.existsSync(gz)) {
      return parseJsonLines<StepRecord>(gunzipSync(fs.readFileSync(gz)).toString("utf8"), gz);
    }
    if (!fs.existsSync(this.paths.history)) return [];
    const text = fs.readFileSync(this.paths.history, "utf8");
    // a process killed while appending leaves a torn last line: records end with a newline
    return parseJsonLines<StepRecord>(
      text.slice(0, text.lastIndexOf("\n") + 1),
      this.paths.history,
    );
  }

  /** The FIDs scored during training (none when the file is absent). */
  quality(): QualityRecord[] {
    return readJsonLines<QualityRecord>(this.paths.quality);
  }

  /** How the run was trained, or null when it was not recorded. */
  stats(): RunStats | null {
    if (!fs.existsSync(this.paths.stats)) return null;
    return JSON.parse(fs.readFileSync(this.paths.stats, "utf8")) as RunStats;
  }

  /**
   * Batches per epoch: as recorded, else (runs written before `run.json`) those of the full
   * 60,000-image training split at the run's batch size.
   */
  stepsPerEpoch(): number {
    const stats = this.stats();
    if (stats) return stats.stepsPerEpoch;
    const config = this.config();
    return batchesPerEpoch(60_000, config.batchSize, config.dropLast);
  }

  /**
   * The trainer state of the latest checkpoint (a GAN trainer's by default; a translation
   * run reads its `CycleMeta`).
   *
   * @throws naming the directory when it holds no checkpoint, or the file when it is unreadable.
   */
  loadCheckpoint<M = TrainerMeta>(): Checkpoint<M> {
    if (!this.hasCheckpoint()) {
      throw new Error(
        `${this.dir}: no checkpoint (${this.paths.checkpoint}); is it a run directory from 'deno task train'?`,
      );
    }
    return loadCheckpoint<M>(this.paths.checkpoint);
  }

  /**
   * The trained generator (G and its EMA copy) of the latest checkpoint, or of the generator
   * file of a shipped model: D and the optimisers' state are not built. The caller disposes it.
   */
  loadGenerator(): Generator {
    if (!this.hasCheckpoint() && fs.existsSync(this.paths.generator)) {
      return loadGenerator(this.paths.generator);
    }
    return Generator.fromCheckpoint(this.loadCheckpoint(), this.paths.checkpoint);
  }

  /**
   * Every fixed-noise snapshot in `samples/`, in training order. Runs written before every grid
   * held [0, 1] saved G's [-1, 1] output: the first read rewrites those grids in [0, 1] and marks
   * the directory (`samples/RANGE-0-1`; new runs write the mark with their first grid), so later
   * reads never guess at a grid's range (a read-only copy is converted on every read instead).
   */
  snapshots(): SampleSnapshot[] {
    if (!fs.existsSync(this.paths.samples)) return [];
    const mark = path.join(this.paths.samples, SNAPSHOT_RANGE_MARK);
    const migrated = fs.existsSync(mark);
    const stepsPerEpoch = this.stepsPerEpoch();
    const out: SampleSnapshot[] = [];
    let floats = 0;
    for (const name of fs.readdirSync(this.paths.samples)) {
      const at = parseSnapshotName(name);
      if (!at) continue;
      const file = path.join(this.paths.samples, name);
      const arr = decodeNpy(fs.readFileSync(file), file);
      let images: Float32Array;
      if (arr.dtype === "|u1") {
        images = Float32Array.from(arr.data, (v) => v / 255); // a shipped model's grids: bytes
      } else {
        floats++;
        images = arr.data as Float32Array;
        if (!migrated && images.some((v) => v < 0)) {
          images = images.map((v) => (v + 1) / 2);
          writable(() => writeFileAtomic(file, encodeNpy(images, arr.shape)));
        }
      }
      out.push({
        label: "epoch" in at ? `epoch ${at.epoch}` : `step ${at.step}`,
        step: "epoch" in at ? at.epoch * stepsPerEpoch : at.step,
        images,
        count: arr.shape[0],
      });
    }
    if (!migrated && floats > 0) writable(() => fs.writeFileSync(mark, RANGE_MARK_TEXT));
    // an epoch's grid and a step grid of the same step are the same images: keep one
    out.sort((a, b) => a.step - b.step || a.label.localeCompare(b.label));
    return out.filter((s, i) => i === 0 || s.step !== out[i - 1].step);
  }

  // ---- writing: used by trainRun ----

  /** Starts a fresh run: writes `config`, empties the history, drops any quality records. */
  begin(config: TrainConfig | CycleConfig): void {
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(this.paths.history, "");
    fs.rmSync(this.paths.quality, { force: true });
    fs.rmSync(this.paths.stats, { force: true });
    this.writeConfig(config);
  }

  /** Writes `config.json` (a translation run's {@link CycleConfig} too). */
  writeConfig(config: TrainConfig | CycleConfig): void {
    writeJsonAtomic(this.paths.config, config);
  }

  /**
   * Keeps the records of steps 1..`steps` in both logs and drops the rest (steps done after the
   * checkpoint being resumed, which will be redone).
   *
   * @throws when the history holds fewer than `steps` records (it does not belong to the
   * checkpoint).
   */
  trimTo(steps: number): void {
    const records = this.history().filter((r) => r.step <= steps);
    if (records.length !== steps) {
      throw new Error(
        `${this.paths.history}: has ${records.length} steps up to step ${steps}, expected ${steps}`,
      );
    }
    writeJsonLines(this.paths.history, records);
    if (fs.existsSync(this.paths.quality)) {
      writeJsonLines(this.paths.quality, this.quality().filter((r) => r.step <= steps));
    }
  }

  /** Appends one step's record to the history. */
  appendHistory(record: StepRecord | CycleStepRecord): void {
    appendJsonLine(this.paths.history, record);
  }

  /** Appends one FID record. */
  appendQuality(record: QualityRecord): void {
    appendJsonLine(this.paths.quality, record);
  }

  /** Writes the trainer's state (a GAN's or a translation pair's) as the latest checkpoint. */
  saveCheckpoint(meta: TrainerMeta | CycleMeta, tensors: Map<string, tf.Tensor>): Promise<void> {
    return saveCheckpoint(this.paths.checkpoint, meta, tensors);
  }

  /**
   * Writes the fixed noise's images `[count, 28, 28]` in [0, 1] taken at `at` as a PNG grid
   * (`columns` wide; default: as square as it gets) and a `.npy` file; returns the PNG's path.
   */
  writeSnapshot(
    at: SnapshotTime,
    images: Float32Array,
    count: number,
    columns = Math.ceil(Math.sqrt(count)),
  ): string {
    const base = snapshotName(at);
    const png = path.join(this.paths.samples, `${base}.png`);
    writeFileAtomic(png, encodeGrayPng(tileImages(images, 28, { columns, range: [0, 1] })));
    writeFileAtomic(
      path.join(this.paths.samples, `${base}.npy`),
      encodeNpy(images, [count, 28, 28]),
    );
    const mark = path.join(this.paths.samples, SNAPSHOT_RANGE_MARK);
    if (!fs.existsSync(mark)) fs.writeFileSync(mark, RANGE_MARK_TEXT);
    return png;
  }

  /**
   * Writes `run.json` as `before` (default: the file as it is now) plus a call's training time
   * and command. A call that checkpoints passes the stats it started from each time, so the file
   * always counts the call up to its last checkpoint, and a killed call keeps its command.
   */
  addTiming(call: TrainingCall, before: RunStats | null = this.stats()): RunStats {
    const steps = (before?.steps ?? 0) + call.steps;
    const seconds = (before?.seconds ?? 0) + call.seconds;
    const stats: RunStats = {
      stepsPerEpoch: call.stepsPerEpoch,
      trainImages: call.trainImages,
      steps,
      seconds,
      sPerStep: seconds / Math.max(1, steps),
      backend: call.backend,
      precision: call.precision,
      machine: machineName(),
      date: new Date().toISOString(),
      commands: [...(before?.commands ?? []), ...(call.command ? [call.command] : [])],
    };
    writeJsonAtomic(this.paths.stats, stats);
    return stats;
  }
}
