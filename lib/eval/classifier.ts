/**
 * The judge: a small Fashion-MNIST CNN, trained with this library, whose penultimate layer is
 * the feature space of every quality score (FID, precision/recall) and whose softmax gives the
 * class-based ones (IS analogue, class coverage).
 *
 * Why not Inception: its weights cannot be fetched here, and Inception-v3 features, trained on
 * 299x299 colour photographs, are known to be a poor fit for 28x28 grayscale garments. Scores
 * are therefore in this judge's feature space: comparable with each other, not with published
 * Inception FIDs.
 *
 * Network (NHWC, inputs in [-1, 1]):
 *
 * ```
 * x                                   [b, 28, 28, 1]
 * conv 4x4 s2 p1 -> BN -> ReLU        [b, 14, 14, 32]
 * conv 4x4 s2 p1 -> BN -> ReLU        [b, 7, 7, 64]
 * conv 3x3 s1 p1 -> BN -> ReLU        [b, 7, 7, 64]
 * flatten -> linear -> ReLU           [b, 128]         <- features
 * dropout 0.3 -> linear               [b, 10]          <- logits
 * ```
 *
 * Strided convs instead of max-pooling: tfjs-wasm's MaxPoolGrad is a scalar loop that took a
 * third of each training step; the strided convs run on this library's XNNPACK kernels.
 *
 * ```
 * ```
 *
 * A file holds the weights, the test accuracy measured after training and a SHA-256 of the
 * weights, checked on every load.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { withPrecision } from "../backend/native/engine.ts";
import { readTidyAsync } from "../backend/read_tidy.ts";
import { batches, batchesPerEpoch } from "../data/batches.ts";
import type { Split } from "../data/fashion_mnist.ts";
import {
  batchNorm,
  type BatchNormConfig,
  type BatchNormVars,
  batchNormVars,
  conv2d,
  dropout,
  type ForwardContext,
  linear,
  ParamStore,
} from "../models/layers.ts";
import { deriveSeed, Rng } from "../random.ts";
import { Adam } from "../train/adam.ts";
import { loadCheckpoint, saveCheckpoint } from "../io/checkpoint.ts";
import { assignStored, readTensors } from "../io/checkpoint_format.ts";

/** How the judge is built and trained. */
export interface JudgeConfig {
  /** Seed for weights, data order, flips and dropout. */
  seed: number;
  /** Passes over the 60,000 training images. 12 reach >= 92% test accuracy with margin. */
  epochs: number;
  /** Examples per step. 128: fewer, larger GEMMs than 64 on wasm, same accuracy. */
  batchSize: number;
  /** Adam's peak learning rate, annealed to 0 along a cosine over all steps. */
  lr: number;
  /** Output channels of the two conv layers. */
  channels: [number, number];
  /** Width of the feature layer (the space FID and precision/recall are computed in). */
  featureDim: number;
  /** Dropout before the last layer. */
  dropout: number;
  /** Flip half the training images left-right (garments are mirror-symmetric classes). */
  flip: boolean;
}

/** The judge's defaults. */
export function defaultJudgeConfig(): JudgeConfig {
  return {
    seed: 0,
    epochs: 12,
    batchSize: 128,
    lr: 1e-3,
    channels: [32, 64],
    featureDim: 128,
    dropout: 0.3,
    flip: true,
  };
}

/** What a judge file records besides the weights. */
export interface JudgeMeta {
  /** Always "fashion-judge". */
  kind: "fashion-judge";
  /** The configuration it was built and trained with. */
  config: JudgeConfig;
  /** Accuracy on the 10,000 test images, measured after training. */
  testAccuracy: number;
  /** SHA-256 of the weights (see {@link weightsHash}). */
  weightsSha256: string;
  /** Seconds training took, and on which backend. */
  trainSeconds: number;
  backend: string;
}

/** The per-image outputs of the judge. */
export interface JudgeOutputs {
  /** Features `[n, featureDim]`, row-major. */
  features: Float32Array;
  /** Class probabilities `[n, 10]`, row-major. */
  probs: Float32Array;
  /** Number of images. */
  n: number;
  /** Width of a feature row. */
  featureDim: number;
}

const BN: BatchNormConfig = { momentum: 0.1, eps: 1e-5 };

/** The judge network. Owns its variables; call `dispose()`. */
export class Judge {
  /** Parameters and BatchNorm buffers. */
  readonly store: ParamStore = new ParamStore();
  readonly #w1: tf.Variable;
  readonly #bn1: BatchNormVars;
  readonly #w2: tf.Variable;
  readonly #bn2: BatchNormVars;
  readonly #w2b: tf.Variable;
  readonly #bn2b: BatchNormVars;
  readonly #w3: tf.Variable;
  readonly #b3: tf.Variable;
  readonly #w4: tf.Variable;
  readonly #b4: tf.Variable;

  /** Builds the network of `config`, He-initialised from `config.seed`. */
  constructor(readonly config: JudgeConfig) {
    const rng = new Rng(deriveSeed(config.seed, "judge-init"));
    const [c1, c2] = config.channels;
    const he = (shape: number[], fanIn: number) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return tf.tensor(rng.fillNormal(new Float32Array(n), 0, Math.sqrt(2 / fanIn)), shape);
    };
    const s = this.store;
    this.#w1 = s.param("conv1.weight", he([4, 4, 1, c1], 16));
    this.#bn1 = batchNormVars(s, "bn1", c1, rng, 0);
    this.#w2 = s.param("conv2.weight", he([4, 4, c1, c2], 16 * c1));
    this.#bn2 = batchNormVars(s, "bn2", c2, rng, 0);
    this.#w2b = s.param("conv3.weight", he([3, 3, c2, c2], 9 * c2));
    this.#bn2b = batchNormVars(s, "bn3", c2, rng, 0);
    this.#w3 = s.param("fc.weight", he([7 * 7 * c2, config.featureDim], 7 * 7 * c2));
    this.#b3 = s.param("fc.bias", tf.zeros([config.featureDim]));
    this.#w4 = s.param("out.weight", he([config.featureDim, 10], config.featureDim));
    this.#b4 = s.param("out.bias", tf.zeros([10]));
  }

  /** Features and logits for images `[b, 28, 28, 1]` in [-1, 1]. */
  forward(x: tf.Tensor4D, ctx: ForwardContext): { features: tf.Tensor2D; logits: tf.Tensor2D } {
    const b = x.shape[0];
    const relu = { kind: "relu" } as const;
    const block = (h: tf.Tensor, w: tf.Variable, bn: BatchNormVars, stride: number) =>
      batchNorm(conv2d(h as tf.Tensor4D, w as tf.Tensor4D, stride, 1), bn, BN, ctx, relu);
    let h = block(x, this.#w1, this.#bn1, 2); //                         [b, 14, 14, c1]
    h = block(h, this.#w2, this.#bn2, 2); //                             [b, 7, 7, c2]
    h = block(h, this.#w2b, this.#bn2b, 1); //                           [b, 7, 7, c2]
    const features = tf.relu(linear(tf.reshape(h, [b, -1]), this.#w3, this.#b3)) as tf.Tensor2D;
    const logits = linear(dropout(features, this.config.dropout, ctx), this.#w4, this.#b4);
    return { features, logits };
  }

  /**
   * Features and class probabilities of `images` (`[n, 28, 28]` values in [0, 1], flat), in
   * evaluation mode, `batchSize` images at a time.
   */
  async outputs(images: Float32Array, batchSize = 500): Promise<JudgeOutputs> {
    if (images.length % 784 !== 0) {
      throw new Error(`judge: ${images.length} values are not whole 28x28 images`);
    }
    const n = images.length / 784, d = this.config.featureDim;
    const features = new Float32Array(n * d), probs = new Float32Array(n * 10);
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      // one download of [b, d + 10]: features, then probabilities
      const both = await readTidyAsync(() => {
        const x = tf.sub(
          tf.mul(tf.tensor4d(images.subarray(start * 784, (start + b) * 784), [b, 28, 28, 1]), 2),
          1,
        ) as tf.Tensor4D;
        // the judge measures: float32 whatever precision trains
        return withPrecision("fp32", () => {
          const out = this.forward(x, { training: false });
          return tf.concat([out.features, tf.softmax(out.logits)], 1);
        });
      });
      for (let i = 0; i < b; i++) {
        features.set(both.subarray(i * (d + 10), i * (d + 10) + d), (start + i) * d);
        probs.set(both.subarray(i * (d + 10) + d, (i + 1) * (d + 10)), (start + i) * 10);
      }
    }
    return { features, probs, n, featureDim: d };
  }

  /** Frees the variables. */
  dispose(): void {
    this.store.dispose();
  }
}

/**
 * SHA-256 over the judge's variables (parameters then buffers, in creation order, float32
 * little-endian): the identity of a trained judge.
 */
export async function weightsHash(judge: Judge): Promise<string> {
  const hash = createHash("sha256");
  const stored = await readTensors(new Map(judge.store.entries()));
  for (const [name, { data }] of stored) {
    hash.update(name);
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest("hex");
}

/** Where a training epoch stands, for progress output. */
export interface JudgeProgress {
  /** 1-based epoch. */
  epoch: number;
  /** Steps done in this epoch and per epoch. */
  step: number;
  stepsPerEpoch: number;
  /** Mean training loss and accuracy over this epoch so far. */
  loss: number;
  accuracy: number;
  /** Seconds since training began. */
  seconds: number;
}

/** Options for {@link trainJudge}. */
export interface TrainJudgeOptions {
  /** Called every `progressEvery` steps and at each epoch end. */
  onProgress?: (p: JudgeProgress) => void;
  /** Steps between progress calls. Default 50. */
  progressEvery?: number;
  /** Stop after this many steps in all (tests use a few). Default: all epochs. */
  maxSteps?: number;
}

/** Mirrors each image of `x` `[b, 28, 28, 1]` left-right where `flip[i]` is 1. */
function flipSome(x: tf.Tensor4D, flip: Float32Array): tf.Tensor4D {
  return tf.tidy(() => {
    const m = tf.tensor4d(flip, [flip.length, 1, 1, 1]);
    return tf.add(tf.mul(tf.reverse(x, 2), m), tf.mul(x, tf.sub(1, m))) as tf.Tensor4D;
  });
}

/**
 * Trains a new judge on `train` (a caller-owned result: dispose it). Cross-entropy, Adam with a
 * cosine-annealed learning rate, optional random flips.
 */
export async function trainJudge(
  train: Split,
  config: JudgeConfig,
  options: TrainJudgeOptions = {},
): Promise<Judge> {
  const judge = new Judge(config);
  const params = judge.store.params;
  const adam = new Adam(params, { lr: config.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const rng = new Rng(deriveSeed(config.seed, "judge-train"));
  const ctx: ForwardContext = { training: true, rng };
  const perEpoch = batchesPerEpoch(train.count, config.batchSize, false);
  const total = Math.min(config.epochs * perEpoch, options.maxSteps ?? Infinity);
  const every = options.progressEvery ?? 50;
  const t0 = performance.now();
  let step = 0;
  try {
    for (let epoch = 0; epoch < config.epochs && step < total; epoch++) {
      let lossSum = 0, correct = 0, seen = 0, inEpoch = 0;
      for (
        const batch of batches(train, { batchSize: config.batchSize, seed: config.seed, epoch })
      ) {
        adam.config.lr = config.lr * 0.5 * (1 + Math.cos(Math.PI * step / total));
        const flips = rng.fillUniform(new Float32Array(batch.size)).map((u) =>
          config.flip && u < 0.5 ? 1 : 0
        );
        const x = config.flip ? flipSome(batch.images, flips) : batch.images;
        const onehot = tf.oneHot(batch.labels, 10);
        let hits: tf.Tensor | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const { logits } = judge.forward(x, ctx);
          hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batch.labels), "int32")));
          return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
        }, [...params.values()]);
        // one read a step: the loss and the hits
        const [loss, batchHits] = await readTidyAsync(() =>
          tf.stack([value, tf.cast(hits!, "float32")])
        );
        correct += batchHits;
        tf.dispose([value, hits!, onehot, batch.images, batch.labels]);
        if (x !== batch.images) x.dispose();
        if (!Number.isFinite(loss)) {
          tf.dispose(grads);
          throw new Error(`judge training: loss is ${loss} at step ${step + 1}`);
        }
        const named = new Map<string, tf.Tensor>();
        for (const [name, v] of params) named.set(name, grads[v.name]);
        adam.apply(named);
        tf.dispose(grads);
        step++, inEpoch++, seen += batch.size, lossSum += loss * batch.size;
        const report = () =>
          options.onProgress?.({
            epoch: epoch + 1,
            step: inEpoch,
            stepsPerEpoch: perEpoch,
            loss: lossSum / seen,
            accuracy: correct / seen,
            seconds: (performance.now() - t0) / 1000,
          });
        if (inEpoch % every === 0 || inEpoch === perEpoch) report();
        if (step >= total) break;
      }
    }
  } catch (err) {
    judge.dispose();
    throw err;
  } finally {
    adam.dispose();
  }
  return judge;
}

/** Share of `split`'s images the judge classifies correctly. */
export async function judgeAccuracy(judge: Judge, split: Split): Promise<number> {
  const { probs, n } = await judge.outputs(splitImages(split));
  let correct = 0;
  for (let i = 0; i < n; i++) if (argMax(probs, i * 10, 10) === split.labels[i]) correct++;
  return correct / n;
}

/** Index of the largest of `values[offset .. offset + length)`, relative to `offset`. */
export function argMax(values: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let j = 1; j < length; j++) if (values[offset + j] > values[offset + best]) best = j;
  return best;
}

/** A split's images (or the first `count`) as float32 `[n, 28, 28]` in [0, 1]. */
export function splitImages(split: Split, count = split.count): Float32Array {
  const n = Math.min(count, split.count);
  const out = new Float32Array(n * 784);
  for (let i = 0; i < out.length; i++) out[i] = split.images[i] / 255;
  return out;
}

/** The judge that ships with the library: `assets/judge/fashion_judge.ckpt`. */
export const DEFAULT_JUDGE_FILE: string = fileURLToPath(
  new URL("../../assets/judge/fashion_judge.ckpt", import.meta.url),
);

/** Writes `judge` and its measured facts to `file`, atomically. */
export async function saveJudge(
  file: string,
  judge: Judge,
  facts: Pick<JudgeMeta, "testAccuracy" | "trainSeconds" | "backend">,
): Promise<JudgeMeta> {
  const meta: JudgeMeta = {
    kind: "fashion-judge",
    config: judge.config,
    ...facts,
    weightsSha256: await weightsHash(judge),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await saveCheckpoint(file, meta, new Map(judge.store.entries()));
  return meta;
}

/**
 * Loads a judge file, checking that it is one and that its weights hash to what it records.
 *
 * @throws naming the file when it is missing, corrupt, of another kind or altered.
 */
export async function loadJudge(file: string): Promise<{ judge: Judge; meta: JudgeMeta }> {
  const ckpt = loadCheckpoint<JudgeMeta>(file);
  if (ckpt.meta?.kind !== "fashion-judge") {
    throw new Error(`${file}: not a judge file (it is a checkpoint of another kind)`);
  }
  const judge = new Judge(ckpt.meta.config);
  try {
    assignStored(new Map(judge.store.entries()), ckpt.tensors, "", file);
    const hash = await weightsHash(judge);
    if (hash !== ckpt.meta.weightsSha256) {
      throw new Error(
        `${file}: weights hash ${hash.slice(0, 12)}… differs from the recorded ${
          ckpt.meta.weightsSha256.slice(0, 12)
        }…`,
      );
    }
  } catch (err) {
    judge.dispose();
    throw err;
  }
  return { judge, meta: ckpt.meta };
}
