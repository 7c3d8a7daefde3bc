/**
 * A whole training run in a directory ({@link RunDir} owns its layout): config, per-step
 * history, checkpoints, sample grids, FID records, timing, and resuming. The CLI
 * (`deno task train`), the leaderboard and the notebooks all call {@link trainRun}.
 *
 * @module
 */
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { activePrecision } from "../backend/native/engine.ts";
import { batches, batchesPerEpoch } from "../data/batches.ts";
import type { Split } from "../data/fashion_mnist.ts";
import { OptionError } from "../option_error.ts";
import { deriveSeed, Rng } from "../random.ts";
import { GanTrainer, type StepRecord } from "./gan_trainer.ts";
import { type QualityRecord, RunDir, type SnapshotTime } from "./run_dir.ts";
import { type TrainConfig, withTrainDefaults } from "./train_config.ts";

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
  fid(images: Float32Array): number | Promise<number>;
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
  /** The backend `run.json` records. Default: tfjs's active backend's name. */
  backend?: string;
  /** The command line that started this call, recorded in `run.json`. */
  command?: string;
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

/** The run's fixed latent batch for comparable grids: same seed, same vectors, every time. */
export function fixedNoise(config: TrainConfig): tf.Tensor2D {
  const n = config.fixedNoiseCount, z = config.model.zDim;
  const rng = new Rng(deriveSeed(config.seed, "fixed-noise"));
  return tf.tensor2d(rng.fillNormal(new Float32Array(n * z)), [n, z]);
}

/**
 * Checks that a run can be written to `outDir` (call it before any expensive work; `trainRun`
 * calls it too): the directory is created if it is missing, and a resume needs a checkpoint,
 * a fresh run none.
 *
 * @example
 * ```ts
 * checkRunTarget("runs/dcgan", false); // throws at once if runs/dcgan is a file or holds a run
 * ```
 * @throws {OptionError} naming `outDir` when it exists as something other than a directory or
 * cannot be created, or when it already holds a run and `resume` is false; naming `resume` when
 * there is no checkpoint to resume from.
 */
export function checkRunTarget(outDir: string, resume: boolean): RunDir {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(outDir);
  } catch {
    // missing: created below
  }
  if (stat && !stat.isDirectory()) {
    throw new OptionError(`{outDir}: '${outDir}' exists and is not a directory`);
  }
  if (!stat) {
    try {
      fs.mkdirSync(outDir, { recursive: true });
    } catch (err) {
      throw new OptionError(
        `{outDir}: cannot create '${outDir}' (${(err as Error).message.split("\n")[0]})`,
      );
    }
  }
  const run = new RunDir(outDir);
  if (run.hasCheckpoint() && !resume) {
    throw new OptionError(
      `${outDir} already holds a run (${run.paths.checkpoint}); pass {resume} to continue it, or choose another {outDir}`,
    );
  }
  if (resume && !run.hasCheckpoint()) {
    throw new OptionError(`{resume}: no checkpoint at ${run.paths.checkpoint} to resume from`);
  }
  return run;
}

/**
 * Trains (or resumes) the run in `options.outDir` until its epochs or `maxSteps` are done.
 *
 * @throws when the directory already holds a run and `resume` is not set, when a resume's
 * checkpoint is missing, corrupt or for another configuration, or when a loss turns non-finite
 * (`NonFiniteLossError`; the last checkpoint stays intact).
 */
export async function trainRun(options: RunOptions): Promise<RunResult> {
  const { config, train, callbacks = {} } = options;
  const run = checkRunTarget(options.outDir, !!options.resume);
  const paths = run.paths;
  const stepsPerEpoch = batchesPerEpoch(train.count, config.batchSize, config.dropLast);
  if (stepsPerEpoch < 1) {
    throw new Error(`the training split (${train.count}) has no full batch of ${config.batchSize}`);
  }
  const scoring = config.evalEvery > 0 || config.evalEverySteps > 0;
  if (scoring && !options.scorer) {
    throw new Error("evalEvery/evalEverySteps is set but trainRun was given no scorer");
  }

  const trainer = new GanTrainer(config);
  const z = fixedNoise(config);
  try {
    if (options.resume) {
      const ckpt = run.loadCheckpoint();
      checkResumable(withTrainDefaults(ckpt.meta.config), config, paths.checkpoint);
      trainer.restore(ckpt, paths.checkpoint);
      run.trimTo(trainer.step);
      run.writeConfig(config);
    } else {
      run.begin(config);
    }

    const totalSteps = Math.min(config.epochs * stepsPerEpoch, config.maxSteps ?? Infinity);
    const startStep = trainer.step;
    callbacks.onStart?.({ startStep, totalSteps, stepsPerEpoch, resumed: !!options.resume });
    const samples: string[] = [];
    const t0 = performance.now();
    let interrupted = false;

    // run.json as this call found it; every checkpoint rewrites it as that plus this call so far
    const statsBefore = run.stats();
    const recordTiming = () =>
      run.addTiming({
        steps: trainer.step - startStep,
        seconds: (performance.now() - t0) / 1000,
        backend: options.backend ?? tf.getBackend(),
        precision: activePrecision(),
        stepsPerEpoch,
        trainImages: train.count,
        command: options.command,
      }, statsBefore);
    const checkpoint = async () => {
      await run.saveCheckpoint(trainer.meta(), trainer.stateTensors());
      recordTiming();
      callbacks.onCheckpoint?.(paths.checkpoint, trainer.step);
    };
    const score = async () => {
      const t = performance.now();
      const seed = deriveSeed(config.seed, "eval-noise", trainer.step);
      const images = await trainer.generator.sample(config.evalSamples, { seed });
      const record: QualityRecord = {
        step: trainer.step,
        epoch: trainer.step / stepsPerEpoch,
        fid: await options.scorer!.fid(images),
        samples: config.evalSamples,
        seconds: (performance.now() - t) / 1000,
      };
      run.appendQuality(record);
      callbacks.onQuality?.(record);
    };
    const snapshot = async (at: SnapshotTime, label: string) => {
      const images = await trainer.generator.fromLatents(z, { mode: config.sampleMode });
      const file = run.writeSnapshot(at, images, z.shape[0]);
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
          record = await trainer.trainStep(batch.images, epoch, batch.index, batch.labels);
        } finally {
          batch.images.dispose();
          batch.labels.dispose();
        }
        run.appendHistory(record);
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
        if (stopping || stepGrid) await snapshot({ step: trainer.step }, `step ${trainer.step}`);
        if (config.evalEverySteps > 0 && trainer.step % config.evalEverySteps === 0) await score();
        if (stopping) {
          await checkpoint();
          break;
        }
        if (midEpoch && config.checkpointEvery > 0 && trainer.step % config.checkpointEvery === 0) {
          await checkpoint();
        }
        // let timers, signals and notebook display updates run between steps
        if (steps % 10 === 0) await new Promise((r) => setTimeout(r, 0));
      }
      if (trainer.step % stepsPerEpoch === 0) {
        const stepScored = config.evalEverySteps > 0 &&
          trainer.step % config.evalEverySteps === 0;
        if (config.evalEvery > 0 && epoch % config.evalEvery === 0 && !stepScored) await score();
        await checkpoint();
        if (
          epoch % config.sampleEvery === 0 || epoch === config.epochs || trainer.step >= totalSteps
        ) {
          await snapshot({ epoch }, `epoch ${epoch}`);
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
    const seconds = (performance.now() - t0) / 1000;
    recordTiming();
    return {
      steps: trainer.step,
      stepsThisCall: trainer.step - startStep,
      seconds,
      samples,
      interrupted,
    };
  } finally {
    z.dispose();
    trainer.dispose();
  }
}
