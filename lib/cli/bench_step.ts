/**
 * The training step `deno task bench` times and profiles: a GAN's (the report's loop: D every
 * step, G every 2nd step on fresh noise) or CycleGAN's (both generators, then both
 * discriminators against their pools), on fixed batches of uniform noise in [-1, 1]. A step
 * costs the same on noise as on Fashion-MNIST, and the benchmark then needs no dataset.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { balancedClasses } from "../models/generator.ts";
import type { ModelKind } from "../models/model_config.ts";
import { MODEL_KINDS } from "../models/registry.ts";
import { Rng } from "../random.ts";
import { CycleTrainer, defaultCycleConfig } from "../train/cycle_trainer.ts";
import { GanTrainer } from "../train/gan_trainer.ts";
import { defaultTrainConfig } from "../train/train_config.ts";

/** What the bench can time: every model of the registry, and CycleGAN. */
export type BenchKind = ModelKind | "cyclegan";

/** Every {@link BenchKind}, the registry's first. */
export const BENCH_KINDS: readonly BenchKind[] = [...MODEL_KINDS, "cyclegan"];

/** A training step under test, with the batches it trains on. */
export interface BenchStep {
  /** Images per step (of each class, for CycleGAN). */
  batchSize: number;
  /** Trains step `i` (0 first) on the fixed batches. */
  run(i: number): Promise<void>;
  /** Frees the trainer and the batches. */
  dispose(): void;
}

/** Uniform noise shaped as `count` 28x28 images, from `seed`. */
function noiseImages(count: number, seed: number): tf.Tensor4D {
  const values = new Rng(seed).fillUniform(new Float32Array(count * 784), -1, 1);
  return tf.tensor4d(values, [count, 28, 28, 1]);
}

/**
 * The step of `kind` at `batchSize` images (default: the model's own, 64 for the GANs and 16 for
 * CycleGAN, its default config translating sneakers to ankle boots).
 *
 * @example
 * ```ts
 * const step = benchStep("cyclegan");
 * try {
 *   for (let i = 0; i < 3; i++) await step.run(i);
 * } finally {
 *   step.dispose();
 * }
 * ```
 */
export function benchStep(kind: BenchKind, batchSize?: number): BenchStep {
  if (kind === "cyclegan") {
    const config = defaultCycleConfig(7, 9);
    config.batchSize = batchSize ?? config.batchSize;
    const trainer = new CycleTrainer(config);
    const a = noiseImages(config.batchSize, 1), b = noiseImages(config.batchSize, 2);
    return {
      batchSize: config.batchSize,
      run: async () => void await trainer.trainStep(a, b),
      dispose: () => (tf.dispose([a, b]), trainer.dispose()),
    };
  }
  const config = defaultTrainConfig(kind);
  config.batchSize = batchSize ?? config.batchSize;
  const trainer = new GanTrainer(config);
  const images = noiseImages(config.batchSize, 1);
  const labels = config.model.classes > 0
    ? tf.tensor1d(balancedClasses(config.batchSize, config.model.classes), "int32")
    : undefined;
  return {
    batchSize: config.batchSize,
    run: async (i) => void await trainer.trainStep(images, 1, i, labels),
    dispose: () => (tf.dispose([images, ...(labels ? [labels] : [])]), trainer.dispose()),
  };
}
