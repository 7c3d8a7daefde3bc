/**
 * A whole CycleGAN run in a directory, with the files and guarantees of a GAN run (`run.ts`,
 * {@link RunDir}): `config.json` (the {@link CycleConfig}), one history line per step,
 * checkpoints (the four networks, both Adams, both pools, the random stream) that resume
 * exactly, a grid of fixed test images and their translations per epoch (and where a call
 * stops mid-epoch), `run.json`'s timing.
 *
 * The data: each step takes a batch of class A and a batch of class B from the training split,
 * each class in its own seeded order per epoch (unpaired: the i-th A image and the i-th B image
 * have nothing to do with each other). An epoch is the smaller class's images in full batches.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { activePrecision } from "../backend/native/engine.ts";
import { batches } from "../data/batches.ts";
import { classSplit } from "../data/class_split.ts";
import type { Split } from "../data/fashion_mnist.ts";
import { deriveSeed } from "../random.ts";
import {
  type CycleConfig,
  type CycleMeta,
  type CycleStepRecord,
  CycleTrainer,
} from "./cycle_trainer.ts";
import { checkRunTarget, type Progress } from "./run.ts";
import type { SnapshotTime } from "./run_dir.ts";

/** Settings a resume may change: how long the run goes and how it reports. */
const RESUMABLE = new Set(["epochs", "maxSteps", "checkpointEvery", "sampleEvery"]);

/** Test images per domain in the fixed grid. */
const GRID_IMAGES = 8;

/** Options of {@link trainCycleRun}. */
export interface CycleRunOptions {
  /** The run directory (created when missing). */
  outDir: string;
  /** The configuration (for a resume: the checkpoint's, but for its length and reporting). */
  config: CycleConfig;
  /** The training split (both classes are taken from it). */
  train: Split;
  /** The test split: the fixed grid's images come from it. */
  test: Split;
  /** Continue from the run's checkpoint. */
  resume?: boolean;
  /** After every step. */
  onStep?(record: CycleStepRecord, progress: Progress): void;
  /** After a sample grid is written. */
  onSample?(file: string): void;
  /** Polled after every step; true stops after writing a checkpoint. */
  shouldStop?: () => boolean;
  /** The backend `run.json` records. */
  backend?: string;
  /** The command line, recorded in `run.json`. */
  command?: string;
}

/** What a call did. */
export interface CycleRunResult {
  steps: number;
  stepsThisCall: number;
  seconds: number;
  interrupted: boolean;
}

/** Steps per epoch: the smaller class's training images in full batches. */
export function cycleStepsPerEpoch(a: Split, b: Split, batchSize: number): number {
  return Math.floor(Math.min(a.count, b.count) / batchSize);
}

/**
 * The fixed grid's images: the first {@link GRID_IMAGES} test images of A and of B, in [-1, 1]
 * (`[n, 28, 28, 1]` each; the caller disposes them).
 */
function gridSources(test: Split, config: CycleConfig): [tf.Tensor4D, tf.Tensor4D] {
  const take = (c: number) => {
    const s = classSplit(test, c), n = Math.min(GRID_IMAGES, s.count);
    const v = Float32Array.from(s.images.subarray(0, n * 784), (p) => p / 127.5 - 1);
    return tf.tensor4d(v, [n, 28, 28, 1]);
  };
  return [take(config.from), take(config.to)];
}

/**
 * Trains (or resumes) the translation run in `options.outDir` until its epochs or `maxSteps`
 * are done.
 *
 * @throws as `trainRun` does: a directory holding a run without `resume`, a missing, corrupt
 * or mismatched checkpoint, a non-finite loss (the last checkpoint stays intact).
 */
export async function trainCycleRun(options: CycleRunOptions): Promise<CycleRunResult> {
  const { config } = options;
  const run = checkRunTarget(options.outDir, !!options.resume);
  const splitA = classSplit(options.train, config.from),
    splitB = classSplit(options.train, config.to);
  const stepsPerEpoch = cycleStepsPerEpoch(splitA, splitB, config.batchSize);
  if (stepsPerEpoch < 1) {
    throw new Error(
      `classes ${config.from} and ${config.to} have no full batch of ${config.batchSize}`,
    );
  }
  const trainer = new CycleTrainer(config);
  const [gridA, gridB] = gridSources(options.test, config);
  try {
    if (options.resume) {
      const ckpt = run.loadCheckpoint<CycleMeta>();
      const saved = ckpt.meta.config as unknown as Record<string, unknown>;
      const diffs = Object.keys(saved).filter((k) =>
        !RESUMABLE.has(k) &&
        JSON.stringify(saved[k]) !==
          JSON.stringify((config as unknown as Record<string, unknown>)[k])
      );
      if (diffs.length) {
        throw new Error(
          `${run.paths.checkpoint}: cannot resume with a different ${diffs.join(", ")}`,
        );
      }
      trainer.restore(ckpt, run.paths.checkpoint);
      run.trimTo(trainer.step);
      run.writeConfig(config);
    } else {
      run.begin(config);
    }
    const totalSteps = Math.min(config.epochs * stepsPerEpoch, config.maxSteps ?? Infinity);
    const startStep = trainer.step, t0 = performance.now(), statsBefore = run.stats();
    let interrupted = false;
    const checkpoint = async () => {
      const tensors = trainer.stateTensors();
      try {
        await run.saveCheckpoint(trainer.meta(), tensors);
      } finally {
        tf.dispose([tensors.get("poolA")!, tensors.get("poolB")!]); // made for the checkpoint
      }
      run.addTiming({
        steps: trainer.step - startStep,
        seconds: (performance.now() - t0) / 1000,
        backend: options.backend ?? tf.getBackend(),
        precision: activePrecision(),
        stepsPerEpoch,
        trainImages: splitA.count + splitB.count,
        command: options.command,
      }, statsBefore);
    };
    const snapshot = async (at: SnapshotTime) => {
      // rows: A's test images, their translation to B, B's test images, their translation to A
      const rows = tf.tidy(() => {
        const parts = [
          gridA,
          trainer.translate(gridA, "AB"),
          gridB,
          trainer.translate(gridB, "BA"),
        ];
        return tf.div(tf.add(tf.concat(parts, 0), 1), 2);
      });
      const images = await rows.data() as Float32Array;
      const file = run.writeSnapshot(at, images, rows.shape[0], gridA.shape[0]);
      rows.dispose();
      options.onSample?.(file);
    };
    while (trainer.step < totalSteps && !interrupted) {
      const epochIndex = Math.floor(trainer.step / stepsPerEpoch);
      const start = trainer.step % stepsPerEpoch;
      const order = (split: Split, side: string) =>
        batches(split, {
          batchSize: config.batchSize,
          seed: deriveSeed(config.seed, side),
          epoch: epochIndex,
          dropLast: true,
          startBatch: start,
        });
      const itA = order(splitA, "cycle-A"), itB = order(splitB, "cycle-B");
      for (let i = start; i < stepsPerEpoch && trainer.step < totalSteps; i++) {
        const a = itA.next().value!, b = itB.next().value!;
        let record: CycleStepRecord;
        try {
          record = await trainer.trainStep(a.images, b.images);
        } finally {
          tf.dispose([a.images, a.labels, b.images, b.labels]);
        }
        run.appendHistory(record);
        const rate = (trainer.step - startStep) / ((performance.now() - t0) / 1000);
        options.onStep?.(record, {
          step: trainer.step,
          totalSteps,
          epoch: epochIndex + 1,
          epochs: config.epochs,
          stepsPerSecond: rate,
          etaSeconds: (totalSteps - trainer.step) / rate,
        });
        interrupted = options.shouldStop?.() ?? false;
        const epochEnd = trainer.step % stepsPerEpoch === 0;
        if (!epochEnd && (interrupted || trainer.step >= totalSteps)) {
          await checkpoint();
          await snapshot({ step: trainer.step });
          break;
        }
        if (
          !epochEnd && config.checkpointEvery > 0 && trainer.step % config.checkpointEvery === 0
        ) {
          await checkpoint();
        }
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 0));
      }
      if (trainer.step % stepsPerEpoch === 0) {
        await checkpoint();
        const epoch = trainer.step / stepsPerEpoch;
        if (epoch % config.sampleEvery === 0 || trainer.step >= totalSteps) {
          await snapshot({ epoch });
        }
      }
    }
    return {
      steps: trainer.step,
      stepsThisCall: trainer.step - startStep,
      seconds: (performance.now() - t0) / 1000,
      interrupted,
    };
  } finally {
    tf.dispose([gridA, gridB]);
    trainer.dispose();
  }
}
