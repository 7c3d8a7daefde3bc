/**
 * The building blocks of the report's networks, written as plain functions over
 * `tf.Variable`s so that every parameter, buffer and random draw is explicit: layers take
 * PyTorch-style arguments (kernel, stride, integer padding) on NHWC tensors.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random.ts";
import { onDevice } from "../backend/device_memory.ts";
import {
  type BatchNormActivation,
  fusedBatchNormTrain,
  fusedLeakyReluMask,
} from "./fused_batch_norm.ts";

/**
 * The parameters (trainable) and buffers (BatchNorm running statistics) of one network, by
 * name. Variables are left unnamed in the tfjs engine so several networks can coexist.
 */
export class ParamStore {
  /** Trainable parameters, in creation order. */
  readonly params: Map<string, tf.Variable> = new Map();
  /** Non-trainable state (running mean and variance), in creation order. */
  readonly buffers: Map<string, tf.Variable> = new Map();

  /** Adds a trainable parameter initialised to `init` (which this store then owns). */
  param(name: string, init: tf.Tensor): tf.Variable {
    return this.#add(this.params, name, init, true);
  }

  /** Adds a non-trainable buffer initialised to `init` (which this store then owns). */
  buffer(name: string, init: tf.Tensor): tf.Variable {
    return this.#add(this.buffers, name, init, false);
  }

  #add(map: Map<string, tf.Variable>, name: string, init: tf.Tensor, trainable: boolean) {
    if (this.params.has(name) || this.buffers.has(name)) {
      throw new Error(`duplicate parameter ${name}`);
    }
    const v = tf.variable(init, trainable);
    init.dispose();
    map.set(name, v);
    return v;
  }

  /** Number of trainable scalars. */
  countParams(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  /** Every variable (parameters then buffers), by name. */
  entries(): [string, tf.Variable][] {
    return [...this.params.entries(), ...this.buffers.entries()];
  }

  /** Frees every variable. */
  dispose(): void {
    for (const [, v] of this.entries()) v.dispose();
    this.params.clear();
    this.buffers.clear();
  }
}

/** How a network is run: training mode (batch statistics, dropout) or evaluation mode. */
export interface ForwardContext {
  /** Training mode: BatchNorm uses and updates batch statistics, dropout is active. */
  training: boolean;
  /** Source of dropout masks; needed in training mode when dropout is used. */
  rng?: Rng;
  /** In training mode, update BatchNorm running statistics. Default true. */
  updateStats?: boolean;
  /**
   * Run BatchNorm and LeakyReLU+Dropout2d as composites of tfjs ops instead of this project's
   * fused ops, whose hand-written gradients tfjs cannot differentiate again. Needed where a
   * gradient is differentiated once more (WGAN-GP's penalty); slower. Default false.
   */
  twiceDifferentiable?: boolean;
  /** One-hot class labels `[b, classes]` for class-conditional networks (`cdcgan`). */
  labels?: tf.Tensor2D;
}

/** `ctx.labels`, or an error naming the network that needs them. */
export function requireLabels(
  ctx: ForwardContext,
  b: number,
  classes: number,
  what: string,
): tf.Tensor2D {
  const y = ctx.labels;
  if (!y) {
    throw new Error(
      `${what} is class-conditional: pass one-hot labels [b, ${classes}] in ctx.labels`,
    );
  }
  if (y.shape[0] !== b || y.shape[1] !== classes) {
    throw new Error(`${what}: labels have shape [${y.shape}], expected [${b}, ${classes}]`);
  }
  return y;
}

/** A tensor of `shape` with entries ~ N(mean, std), drawn from `rng`. */
export function normalInit(rng: Rng, shape: number[], mean: number, std: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillNormal(new Float32Array(n), mean, std), shape);
}

/**
 * Xavier/Glorot uniform initialisation, U(-a, a) with a = sqrt(6 / (fanIn + fanOut)), the
 * report's table 1 choice for the MLP GAN.
 */
export function xavierUniform(rng: Rng, shape: number[], fanIn: number, fanOut: number): tf.Tensor {
  const a = Math.sqrt(6 / (fanIn + fanOut));
  const n = shape.reduce((x, y) => x * y, 1);
  return tf.tensor(rng.fillUniform(new Float32Array(n), -a, a), shape);
}

/** `x @ w + b` for `x` [batch, in], `w` [in, out], `b` [out] (PyTorch `nn.Linear`). */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor2D {
  return tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b }) as tf.Tensor2D;
}

/**
 * 2-D convolution, NHWC, filter [k, k, in, out], symmetric integer padding (PyTorch
 * `nn.Conv2d(in, out, k, stride, padding, bias=False)`; output size floor((n + 2p - k) / s) + 1).
 */
export function conv2d(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  padding: number,
): tf.Tensor4D {
  return tf.conv2d(x, w, stride, padding === 0 ? "valid" : padding);
}

/**
 * Transposed 2-D convolution, NHWC, filter [k, k, out, in] (PyTorch
 * `nn.ConvTranspose2d(in, out, k, stride, padding, bias=False)`: output (n - 1) s - 2p + k).
 */
export function convTranspose2d(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  padding: number,
): tf.Tensor4D {
  const [batch, h, wd] = x.shape;
  const [k, , out] = w.shape;
  const oh = (h - 1) * stride - 2 * padding + k;
  const ow = (wd - 1) * stride - 2 * padding + k;
  return tf.conv2dTranspose(x, w, [batch, oh, ow, out], stride, padding === 0 ? "valid" : padding);
}

/** The variables of one BatchNorm layer. */
export interface BatchNormVars {
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

/**
 * Creates a BatchNorm layer's variables over `channels` features. `gammaStd` > 0 draws gamma
 * from N(1, gammaStd) (the report's DCGAN init, A.2); 0 gives PyTorch's default gamma = 1.
 */
export function batchNormVars(
  store: ParamStore,
  name: string,
  channels: number,
  rng: Rng,
  gammaStd: number,
): BatchNormVars {
  return {
    gamma: store.param(
      `${name}.weight`,
      gammaStd > 0 ? normalInit(rng, [channels], 1, gammaStd) : tf.ones([channels]),
    ),
    beta: store.param(`${name}.bias`, tf.zeros([channels])),
    runningMean: store.buffer(`${name}.running_mean`, tf.zeros([channels])),
    runningVar: store.buffer(`${name}.running_var`, tf.ones([channels])),
  };
}

/** BatchNorm hyper-parameters (PyTorch defaults). */
export interface BatchNormConfig {
  /** Weight of the new batch statistic in the running average. PyTorch default 0.1. */
  momentum: number;
  /** Added to the variance. PyTorch default 1e-5. */
  eps: number;
}

export type { BatchNormActivation };

function activate(x: tf.Tensor, act: BatchNormActivation): tf.Tensor {
  if (act.kind === "relu") return tf.relu(x);
  if (act.kind === "leakyRelu") return tf.leakyRelu(x, act.alpha);
  return x;
}

/**
 * Batch normalisation over every axis but the last (PyTorch `BatchNorm1d` on [N, C] and
 * `BatchNorm2d` on NHWC), followed by `act`. In training mode it normalises with the batch
 * statistics (biased variance) and updates the running statistics (unbiased variance), as
 * PyTorch does; in evaluation mode it uses the running statistics.
 *
 * `dropoutRate` > 0 adds dropout after the activation, with the random draws and values of
 * {@link dropout2d} on NHWC (channel dropout) and of {@link dropout} on [N, C] (there a channel
 * of an example is one element).
 *
 * The training path is one fused operation with a hand-written gradient (see
 * `fused_batch_norm.ts`): tfjs's composite BatchNorm gradient (Tile, Mean and Sum over
 * non-inner axes) cost about 0.8 s per DCGAN step on wasm.
 */
export function batchNorm(
  x: tf.Tensor,
  vars: BatchNormVars,
  config: BatchNormConfig,
  ctx: ForwardContext,
  act: BatchNormActivation = { kind: "none" },
  dropoutRate = 0,
): tf.Tensor {
  if (!ctx.training) {
    return activate(
      tf.batchNorm(x, vars.runningMean, vars.runningVar, vars.beta, vars.gamma, config.eps),
      act,
    );
  }
  const mask = channelDropoutMask(x, dropoutRate, ctx);
  const c = x.shape[x.shape.length - 1], n = x.size / c, m = config.momentum;
  // The running statistics are updated outside any gradient: assign() is not recorded.
  if (ctx.twiceDifferentiable || onDevice()) {
    // tfjs ops throughout: differentiable twice, and no read back from a GPU
    const { y, mean, variance } = compositeBatchNormTrain(x, vars, config.eps, act, mask);
    if (ctx.updateStats !== false) {
      tf.tidy(() => {
        vars.runningMean.assign(tf.add(tf.mul(vars.runningMean, 1 - m), tf.mul(mean, m)));
        const unbiased = tf.mul(variance, n / Math.max(1, n - 1));
        vars.runningVar.assign(tf.add(tf.mul(vars.runningVar, 1 - m), tf.mul(unbiased, m)));
      });
    }
    return y;
  }
  const { y, mean, variance } = fusedBatchNormTrain(
    x,
    vars.gamma,
    vars.beta,
    config.eps,
    act,
    mask,
  );
  if (ctx.updateStats !== false) {
    const rm = vars.runningMean.dataSync(), rv = vars.runningVar.dataSync();
    const newMean = new Float32Array(c), newVar = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      newMean[i] = (1 - m) * rm[i] + m * mean[i];
      newVar[i] = (1 - m) * rv[i] + m * variance[i] * (n / Math.max(1, n - 1));
    }
    tf.tidy(() => {
      vars.runningMean.assign(tf.tensor1d(newMean));
      vars.runningVar.assign(tf.tensor1d(newVar));
    });
  }
  return y;
}

/**
 * The training path of {@link batchNorm} in plain tfjs ops (see `twiceDifferentiable`), with
 * the batch statistics as tensors.
 */
function compositeBatchNormTrain(
  x: tf.Tensor,
  vars: BatchNormVars,
  eps: number,
  act: BatchNormActivation,
  mask: Float32Array | undefined,
): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const moments = tf.moments(x, axes);
  const normed = tf.add(
    tf.mul(tf.div(tf.sub(x, moments.mean), tf.sqrt(tf.add(moments.variance, eps))), vars.gamma),
    vars.beta,
  );
  let y = activate(normed, act);
  if (mask) {
    y = tf.mul(
      y,
      tf.tensor(mask, [x.shape[0], ...axes.slice(1).map(() => 1), mask.length / x.shape[0]]),
    );
  }
  return { y, mean: moments.mean, variance: moments.variance };
}

function dropoutMask(rng: Rng, n: number, rate: number): Float32Array {
  const mask = rng.fillUniform(new Float32Array(n));
  const keep = 1 / (1 - rate);
  for (let i = 0; i < n; i++) mask[i] = mask[i] >= rate ? keep : 0;
  return mask;
}

/**
 * Dropout (PyTorch `nn.Dropout`): in training mode zeroes each element with probability
 * `rate` and scales the rest by 1 / (1 - rate); identity in evaluation mode. The mask comes
 * from `ctx.rng`, so it is reproducible and resumable.
 */
export function dropout(x: tf.Tensor, rate: number, ctx: ForwardContext): tf.Tensor {
  if (!ctx.training || rate === 0) return x;
  if (!ctx.rng) throw new Error("dropout in training mode needs ctx.rng");
  return tf.mul(x, tf.tensor(dropoutMask(ctx.rng, x.size, rate), x.shape));
}

/**
 * Channel dropout (PyTorch `nn.Dropout2d`) on NHWC: zeroes whole feature maps, one draw per
 * (example, channel).
 */
export function dropout2d(x: tf.Tensor4D, rate: number, ctx: ForwardContext): tf.Tensor4D {
  const mask = channelDropoutMask(x, rate, ctx);
  if (!mask) return x;
  const [b, , , c] = x.shape;
  return tf.mul(x, tf.tensor4d(mask, [b, 1, 1, c]));
}

/**
 * The mask of {@link dropout2d} for channels-last `x` (one value per example and channel,
 * `[batch * channels]`: 0 or 1 / (1 - rate)), drawn from `ctx.rng`; undefined when dropout is
 * off (evaluation mode or rate 0).
 */
export function channelDropoutMask(
  x: tf.Tensor,
  rate: number,
  ctx: ForwardContext,
): Float32Array | undefined {
  if (!ctx.training || rate === 0) return undefined;
  if (!ctx.rng) throw new Error("dropout2d in training mode needs ctx.rng");
  return dropoutMask(ctx.rng, x.shape[0] * x.shape[x.shape.length - 1], rate);
}

/**
 * `leakyRelu(x, alpha)` followed by dropout as one fused operation in training mode (fewer
 * kernels; see `fused_batch_norm.ts`): on a [batch, c] tensor element dropout, exactly as
 * `dropout(leakyRelu(x, alpha), rate, ctx)` (PyTorch `nn.Dropout`); on NHWC channel dropout,
 * exactly as {@link dropout2d} (`nn.Dropout2d`). Same random draws, same values.
 *
 * @example
 * ```ts
 * // the MLP discriminator's hidden activation (A.1): LeakyReLU(0.2), then Dropout(0.3)
 * const h = leakyReluDropout(linear(x, fc.w, fc.b), 0.2, 0.3, { training: true, rng });
 * ```
 */
export function leakyReluDropout<T extends tf.Tensor>(
  x: T,
  alpha: number,
  rate: number,
  ctx: ForwardContext,
): T {
  const mask = channelDropoutMask(x, rate, ctx);
  if (!mask) return tf.leakyRelu(x, alpha);
  if (ctx.twiceDifferentiable || onDevice()) {
    const [b, c] = [x.shape[0], x.shape[x.shape.length - 1]];
    const maskShape = [b, ...x.shape.slice(1, -1).map(() => 1), c];
    return tf.mul(tf.leakyRelu(x, alpha), tf.tensor(mask, maskShape));
  }
  return fusedLeakyReluMask(x, alpha, mask) as T;
}
