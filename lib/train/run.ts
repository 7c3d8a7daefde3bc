/**
 * A whole training run in a directory: config, per-step history, checkpoints, sample grids,
 * and resuming. The CLI (`deno task train`) and the notebooks both call {@link trainRun}.
 *
 * Files in `outDir`:
 * - `config.json`: the {@link TrainConfig};
 * - `history.jsonl`: one {@link StepRecord} per step;
 * - `checkpoint.ckpt`: the latest state (every `checkpointEvery` steps and every epoch end);
 * - `quality.jsonl`: one {@link QualityRecord} per FID scored during training (`evalEvery`,
 *   `evalEverySteps`), when a scorer is given;
 * - `samples/epoch-NNN.png`: the fixed noise's 8x8 grid after chosen epochs
 *   (`samples/step-NNNNNN.png` when a run stops mid-epoch at `maxSteps`), with the images
 *   themselves beside it as `.npy`.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { batches, batchesPerEpoch } from "../data/batches.ts";
import type { Split } from "../data/fashion_mnist.ts";
import { deriveSeed, Rng } from "../random.ts";
import { encodeGrayPng, tileImages } from "../viz/image_grid.ts";
import { encodeNpy } from "../eval/npy.ts";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { GanTrainer, type StepRecord, type TrainerMeta } from "./gan_trainer.ts";
import { appendHistory, readJsonLines, trimHistory } from "./history.ts";
import { type TrainConfig, withTrainDefaults } from "./train_config.ts";
import { sampleImages } from "./load_run.ts";

/** Where a run keeps its files. */
export interface RunPaths {
  config: string;
  history: string;
  quality: string;
  checkpoint: string;
  samples: string;
}

/** The file layout of a run directory. */
export function runPaths(outDir: string): RunPaths {
  return {
    config: path.join(outDir, "config.json"),
    history: path.join(outDir, "history.jsonl"),
    quality: path.join(outDir, "quality.jsonl"),
    checkpoint: path.join(outDir, "checkpoint.ckpt"),
    samples: path.join(outDir, "samples"),
  };
}

/** Where training stands, passed to `onStep`. */
export interface Progress {
  /** Steps done, in total. */
  step: number;
  /** Steps the run will do in total. */
  totalSteps: number;
  /** Current epoch, 1-based. */
  epoch: number;
  /** Epochs configured. */
  epochs: number;
  /** Steps per second since this process started training. */
  stepsPerSecond: number;
  /** Estimated seconds left. */
  etaSeconds: number;
}

/** Summary of a finished epoch, passed to `onEpochEnd`. */
export interface EpochSummary {
  /** 1-based epoch. */
  epoch: number;
  /** Steps of this epoch run in this process. */
  steps: number;
  /** Mean D loss over those steps. */
  meanDLoss: number;
  /** Mean G loss over the steps that updated G. */
  meanGLoss: number;
  /** Wall-clock seconds for those steps. */
  seconds: number;
}

/** Progress hooks; the library itself never prints. */
export interface RunCallbacks {
  /** Before the first step, after any resume. */
  onStart?(
    info: { startStep: number; totalSteps: number; stepsPerEpoch: number; resumed: boolean },
  ): void;
  /** After every step. */
  onStep?(record: StepRecord, progress: Progress): void;
  /** After every epoch end (checkpoint and samples already written). */
  onEpochEnd?(summary: EpochSummary): void;
  /** After a checkpoint is written. */
  onCheckpoint?(file: string, step: number): void;
  /** After a sample grid is written. */
  onSample?(file: string, label: string): void;
  /** After a FID is scored and written to `quality.jsonl`. */
  onQuality?(record: QualityRecord): void;
}

/** Scores generated images during training (a `QualityJudge` is one). */
export interface FidScorer {
  /** FID of images `[n, 28, 28]` in [0, 1], flat. */
  fid(images: Float32Array): number;
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

/** Options for {@link trainRun}. */
export interface RunOptions {
  /** The run directory (created when missing). */
  outDir: string;
  /** The configuration (for a resume, must match the checkpoint's, but for its length). */
  config: TrainConfig;
  /** The training split. */
  train: Split;
  /** Continue from `outDir/checkpoint.ckpt`. */
  resume?: boolean;
  /** Progress hooks. */
  callbacks?: RunCallbacks;
  /** Polled after every step; true stops the run after writing a checkpoint. */
  shouldStop?: () => boolean;
  /** Scores FID when `config.evalEvery` or `config.evalEverySteps` asks for it. */
  scorer?: FidScorer;
}

/** What a run did. */
export interface RunResult {
  /** Steps done in total. */
  steps: number;
  /** Steps done by this call. */
  stepsThisCall: number;
  /** Seconds spent training in this call. */
  seconds: number;
  /** Sample grid files written by this call. */
  samples: string[];
  /** True when stopped by `shouldStop`. */
  interrupted: boolean;
}

/** Settings that may differ between a run and its resume: how long it goes and how it reports. */
const RESUMABLE_CHANGES = new Set([
  "epochs",
  "maxSteps",
  "checkpointEvery",
  "sampleEvery",
  "sampleMode",
  "evalEvery",
  "evalEverySteps",
  "evalSamples",
]);

function checkResumable(saved: TrainConfig, given: TrainConfig, what: string): void {
  const diffs: string[] = [];
  for (const key of Object.keys(saved) as (keyof TrainConfig)[]) {
    if (RESUMABLE_CHANGES.has(key)) continue;
    if (JSON.stringify(saved[key]) !== JSON.stringify(given[key])) {
      diffs.push(
        `${key}: checkpoint ${JSON.stringify(saved[key])}, given ${JSON.stringify(given[key])}`,
      );
    }
  }
  if (diffs.length) {
    throw new Error(`${what}: cannot resume with a different configuration (${diffs.join("; ")})`);
  }
}

/** The FIDs a run scored during training (an absent file is none). */
export function readQuality(file: string): QualityRecord[] {
  return readJsonLines<QualityRecord>(file);
}

/** Drops quality records of steps after `steps` (they will be redone on resume). */
function trimQuality(file: string, steps: number): void {
  if (!fs.existsSync(file)) return;
  const kept = readQuality(file).filter((r) => r.step <= steps);
  fs.writeFileSync(`${file}.tmp`, kept.map((r) => JSON.stringify(r) + "\n").join(""));
  fs.renameSync(`${file}.tmp`, file);
}

function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

/** The run's fixed latent batch for comparable grids: same seed, same vectors, every time. */
export function fixedNoise(config: TrainConfig): tf.Tensor2D {
  const n = config.fixedNoiseCount, z = config.model.zDim;
  const rng = new Rng(deriveSeed(config.seed, "fixed-noise"));
  return tf.tensor2d(rng.fillNormal(new Float32Array(n * z)), [n, z]);
}

/**
 * Writes the PNG grid of `trainer`'s images for the fixed noise `z` to `file`, and the images
 * themselves (float32 `[n, 28, 28]` in [-1, 1]) beside it as `.npy`, for figures that compare
 * epochs.
 */
export function writeSampleGrid(trainer: GanTrainer, z: tf.Tensor2D, file: string): void {
  const images = trainer.generate(z, trainer.config.sampleMode);
  const pixels = images.dataSync() as Float32Array;
  images.dispose();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const write = (target: string, bytes: Uint8Array) => {
    fs.writeFileSync(`${target}.tmp`, bytes);
    fs.renameSync(`${target}.tmp`, target);
  };
  const columns = Math.ceil(Math.sqrt(z.shape[0]));
  write(file, encodeGrayPng(tileImages(pixels, 28, { columns })));
  write(file.replace(/\.png$/, ".npy"), encodeNpy(pixels, [z.shape[0], 28, 28]));
}

/**
 * Trains (or resumes) the run in `options.outDir` until its epochs or `maxSteps` are done.
 *
 * @throws when the directory already holds a run and `resume` is not set, when a resume's
 * checkpoint is missing, corrupt or for another configuration, or when a loss turns non-finite
 * (`NonFiniteLossError`; the last checkpoint stays intact).
 */
export async function trainRun(options: RunOptions): Promise<RunResult> {
  const { outDir, config, train, callbacks = {} } = options;
  const paths = runPaths(outDir);
  const hasCheckpoint = fs.existsSync(paths.checkpoint);
  if (hasCheckpoint && !options.resume) {
    throw new Error(
      `${outDir} already holds a run (${paths.checkpoint}); pass --resume to continue it, or choose another --out`,
    );
  }
  if (options.resume && !hasCheckpoint) {
    throw new Error(`--resume: no checkpoint at ${paths.checkpoint} to resume from`);
  }
  const stepsPerEpoch = batchesPerEpoch(train.count, config.batchSize, config.dropLast);
  if (stepsPerEpoch < 1) {
    throw new Error(`the training split (${train.count}) has no full batch of ${config.batchSize}`);
  }
  const scoring = config.evalEvery > 0 || config.evalEverySteps > 0;
  if (scoring && !options.scorer) {
    throw new Error("evalEvery/evalEverySteps is set but trainRun was given no scorer");
  }
  fs.mkdirSync(outDir, { recursive: true });

  const trainer = new GanTrainer(config);
  const z = fixedNoise(config);
  try {
    if (options.resume) {
      const ckpt = loadCheckpoint<TrainerMeta>(paths.checkpoint);
      checkResumable(withTrainDefaults(ckpt.meta.config), config, paths.checkpoint);
      trainer.restore(ckpt, paths.checkpoint);
      trimHistory(paths.history, trainer.step);
      trimQuality(paths.quality, trainer.step);
    } else {
      fs.writeFileSync(paths.history, "");
      fs.rmSync(paths.quality, { force: true });
    }
    writeJsonAtomic(paths.config, config);

    const totalSteps = Math.min(config.epochs * stepsPerEpoch, config.maxSteps ?? Infinity);
    const startStep = trainer.step;
    callbacks.onStart?.({ startStep, totalSteps, stepsPerEpoch, resumed: !!options.resume });
    const samples: string[] = [];
    const t0 = performance.now();
    let interrupted = false;

    const checkpoint = () => {
      saveCheckpoint(paths.checkpoint, trainer.meta(), trainer.stateTensors());
      callbacks.onCheckpoint?.(paths.checkpoint, trainer.step);
    };
    const score = () => {
      const t = performance.now();
      const seed = deriveSeed(config.seed, "eval-noise", trainer.step);
      const images = sampleImages(trainer, config.evalSamples, seed);
      const record: QualityRecord = {
        step: trainer.step,
        epoch: trainer.step / stepsPerEpoch,
        fid: options.scorer!.fid(images),
        samples: config.evalSamples,
        seconds: (performance.now() - t) / 1000,
      };
      fs.appendFileSync(paths.quality, JSON.stringify(record) + "\n");
      callbacks.onQuality?.(record);
    };
    const sample = (name: string, label: string) => {
      const file = path.join(paths.samples, name);
      writeSampleGrid(trainer, z, file);
      samples.push(file);
      callbacks.onSample?.(file, label);
    };

    while (trainer.step < totalSteps && !interrupted) {
      const epochIndex = Math.floor(trainer.step / stepsPerEpoch);
      const epoch = epochIndex + 1;
      const epochStart = performance.now();
      let steps = 0, dSum = 0, gSum = 0, gCount = 0;
      for (
        const batch of batches(train, {
          batchSize: config.batchSize,
          seed: config.seed,
          epoch: epochIndex,
          dropLast: config.dropLast,
          startBatch: trainer.step % stepsPerEpoch,
        })
      ) {
        let record: StepRecord;
        try {
          record = trainer.trainStep(batch.images, epoch, batch.index, batch.labels);
        } finally {
          batch.images.dispose();
          batch.labels.dispose();
        }
        appendHistory(paths.history, record);
        steps++;
        dSum += record.dLoss;
        if (record.gLoss !== null) (gSum += record.gLoss, gCount++);
        const elapsed = (performance.now() - t0) / 1000;
        const rate = (trainer.step - startStep) / elapsed;
        callbacks.onStep?.(record, {
          step: trainer.step,
          totalSteps,
          epoch,
          epochs: config.epochs,
          stepsPerSecond: rate,
          etaSeconds: (totalSteps - trainer.step) / rate,
        });
        const midEpoch = trainer.step % stepsPerEpoch !== 0;
        interrupted = options.shouldStop?.() ?? false;
        const stopping = midEpoch && (trainer.step >= totalSteps || interrupted);
        const stepGrid = config.sampleEverySteps > 0 &&
          trainer.step % config.sampleEverySteps === 0;
        if (stopping || stepGrid) {
          sample(`step-${String(trainer.step).padStart(6, "0")}.png`, `step ${trainer.step}`);
        }
        if (config.evalEverySteps > 0 && trainer.step % config.evalEverySteps === 0) score();
        if (stopping) {
          checkpoint();
          break;
        }
        if (midEpoch && config.checkpointEvery > 0 && trainer.step % config.checkpointEvery === 0) {
          checkpoint();
        }
        // let timers, signals and notebook display updates run between steps
        if (steps % 10 === 0) await new Promise((r) => setTimeout(r, 0));
      }
      if (trainer.step % stepsPerEpoch === 0) {
        const stepScored = config.evalEverySteps > 0 &&
          trainer.step % config.evalEverySteps === 0;
        if (config.evalEvery > 0 && epoch % config.evalEvery === 0 && !stepScored) score();
        checkpoint();
        if (
          epoch % config.sampleEvery === 0 || epoch === config.epochs || trainer.step >= totalSteps
        ) {
          sample(`epoch-${String(epoch).padStart(3, "0")}.png`, `epoch ${epoch}`);
        }
        callbacks.onEpochEnd?.({
          epoch,
          steps,
          meanDLoss: dSum / Math.max(1, steps),
          meanGLoss: gSum / Math.max(1, gCount),
          seconds: (performance.now() - epochStart) / 1000,
        });
      }
    }
    return {
      steps: trainer.step,
      stepsThisCall: trainer.step - startStep,
      seconds: (performance.now() - t0) / 1000,
      samples,
      interrupted,
    };
  } finally {
    z.dispose();
    trainer.dispose();
  }
}
