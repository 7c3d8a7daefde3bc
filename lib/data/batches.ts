/**
 * Mini-batches for training (report 3.1 and A.4): reshuffled every epoch with a seeded
 * permutation, pixels scaled from 0..255 to [-1, 1] exactly as the report's
 * `ToTensor()` + `Normalize((0.5,), (0.5,))` does (x / 127.5 - 1).
 *
 * Ownership: each yielded {@link Batch} holds fresh tensors that belong to the consumer, who
 * must dispose them (`disposeBatch`) or run inside `tf.tidy`. The iterator keeps nothing.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { IMAGE_PIXELS, IMAGE_SIZE, type Split } from "./fashion_mnist.ts";
import { deriveSeed, Rng } from "../random.ts";

/** Options for {@link batches}. */
export interface BatchOptions {
  /** Examples per batch. Default 64 (report 3.1, table 1). */
  batchSize?: number;
  /** Seed for the per-epoch shuffle. Default 0. */
  seed?: number;
  /** Epoch number (0-based); each epoch gets its own permutation. Default 0. */
  epoch?: number;
  /** Shuffle the order each epoch (report: `shuffle=True`). Default true. */
  shuffle?: boolean;
  /**
   * Drop the last, smaller batch. Default false, as PyTorch's `DataLoader` in the report's
   * A.4 (60,000 / 64 gives 937 full batches and one of 32).
   */
  dropLast?: boolean;
  /** Skip to this batch of the epoch (for resuming mid-epoch). Default 0. */
  startBatch?: number;
}

/** One mini-batch. The tensors belong to the consumer. */
export interface Batch {
  /** Images `[size, 28, 28, 1]`, float32 in [-1, 1]. */
  images: tf.Tensor4D;
  /** Labels `[size]`, int32 in 0..9. */
  labels: tf.Tensor1D;
  /** Index of this batch within its epoch. */
  index: number;
  /** Number of examples in this batch. */
  size: number;
}

/** How many batches one epoch of `count` examples gives. */
export function batchesPerEpoch(count: number, batchSize: number, dropLast: boolean): number {
  return dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/** The order in which one epoch visits the examples: a seeded permutation, or 0..count-1. */
export function epochOrder(
  count: number,
  seed: number,
  epoch: number,
  shuffle: boolean,
): Uint32Array {
  if (!shuffle) return Uint32Array.from({ length: count }, (_, i) => i);
  return new Rng(deriveSeed(seed, "data-order", epoch)).permutation(count);
}

/** Scales the images at `indices` to float32 in [-1, 1], laid out `[n, 28, 28, 1]`. */
export function scaleImages(images: Uint8Array, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * IMAGE_PIXELS);
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b] * IMAGE_PIXELS;
    const dst = b * IMAGE_PIXELS;
    for (let p = 0; p < IMAGE_PIXELS; p++) out[dst + p] = images[src + p] / 127.5 - 1;
  }
  return out;
}

/** Yields one epoch of mini-batches from `split` (see {@link BatchOptions}). */
export function* batches(split: Split, options: BatchOptions = {}): Generator<Batch> {
  const batchSize = options.batchSize ?? 64;
  const dropLast = options.dropLast ?? false;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const order = epochOrder(
    split.count,
    options.seed ?? 0,
    options.epoch ?? 0,
    options.shuffle ?? true,
  );
  const total = batchesPerEpoch(split.count, batchSize, dropLast);
  for (let index = options.startBatch ?? 0; index < total; index++) {
    const indices = order.subarray(
      index * batchSize,
      Math.min(split.count, (index + 1) * batchSize),
    );
    const size = indices.length;
    const pixels = scaleImages(split.images, indices);
    const labels = Int32Array.from(indices, (i) => split.labels[i]);
    yield {
      images: tf.tensor4d(pixels, [size, IMAGE_SIZE, IMAGE_SIZE, 1], "float32"),
      labels: tf.tensor1d(labels, "int32"),
      index,
      size,
    };
  }
}

/** Disposes both tensors of a {@link Batch}. */
export function disposeBatch(batch: Batch): void {
  batch.images.dispose();
  batch.labels.dispose();
}
