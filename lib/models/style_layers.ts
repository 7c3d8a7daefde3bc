/**
 * The layers of a style-based generator (Karras et al. 2019, StyleGAN; 2020, StyleGAN2), written
 * with plain tfjs ops so they run on every backend (native, wasm, webgpu, cpu):
 *
 * - **equalised learning rate**: weights are stored as N(0, 1 / lrMul) draws and scaled at run
 *   time by lrMul / sqrt(fan-in), so Adam's step is the same size for every layer (and lrMul
 *   times smaller for the mapping network);
 * - **modulated convolution** in its non-fused form: the input channels are scaled by the
 *   style, convolved with the shared weights, and the output channels scaled by the
 *   demodulation factor 1 / sqrt(sum over in-channels and taps of (w s)^2). TF.js has no
 *   grouped convolution, and the result is the same function as StyleGAN2's grouped form;
 * - per-pixel **noise** with a learned strength (random in training mode, a stored constant
 *   in evaluation mode, so samples are reproducible);
 * - resampling by 2: nearest for feature maps (a 3x3 convolution follows), StyleGAN2's [1, 3, 3, 1]
 *   low-pass filter for the one-channel skip images;
 * - **minibatch standard deviation** for D (Karras et al. 2018).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { onDevice } from "../backend/device_memory.ts";
import type { Rng } from "../random.ts";
import { fusedLeakyReluMask } from "./fused_batch_norm.ts";
import { type ForwardContext, normalInit, type ParamStore } from "./layers.ts";

/** StyleGAN's gain after a LeakyReLU (it keeps activations at unit variance): sqrt(2). */
export const LRELU_GAIN = Math.SQRT2;

/**
 * LeakyReLU(`leak`) times sqrt(2): StyleGAN's activation (its slope: 0.2). In training on the
 * CPU backends it is one fused operation with its gradient (`fused_batch_norm.ts`: two passes
 * instead of LeakyRelu, Multiply and, backwards, Greater, Select and two Multiply); where the
 * gradient must itself be differentiable (R1) or the data lives on a GPU, plain tfjs ops.
 */
export function styleActivation(x: tf.Tensor, leak: number, ctx?: ForwardContext): tf.Tensor {
  if (ctx?.training && !ctx.twiceDifferentiable && !onDevice()) {
    return fusedLeakyReluMask(x, leak, LRELU_GAIN);
  }
  return tf.mul(tf.leakyRelu(x, leak), LRELU_GAIN);
}

/** A fully connected layer with an equalised learning rate. */
export interface EqualizedDense {
  /** `[in, out]`, stored as N(0, 1 / lrMul) draws. */
  weight: tf.Variable;
  /** `[out]`, stored divided by lrMul. */
  bias: tf.Variable;
  /** lrMul / sqrt(in): the run-time scale of the weight. */
  gain: number;
  /** Learning-rate multiplier (StyleGAN's mapping network: 0.01). */
  lrMul: number;
}

/** Options of {@link equalizedDense}. */
export interface EqualizedDenseOptions {
  /** Learning-rate multiplier. Default 1. */
  lrMul?: number;
  /** Initial value of the (effective) bias. Default 0; StyleGAN2's style affines: 1. */
  biasInit?: number;
}

/** Creates an {@link EqualizedDense} `name` from `inF` to `outF` features in `store`. */
export function equalizedDense(
  store: ParamStore,
  name: string,
  rng: Rng,
  shape: { inF: number; outF: number },
  options: EqualizedDenseOptions = {},
): EqualizedDense {
  const { lrMul = 1, biasInit = 0 } = options;
  const { inF, outF } = shape;
  return {
    weight: store.param(`${name}.weight`, normalInit(rng, [inF, outF], 0, 1 / lrMul)),
    bias: store.param(`${name}.bias`, tf.fill([outF], biasInit / lrMul)),
    gain: lrMul / Math.sqrt(inF),
    lrMul,
  };
}

/** `x @ (w gain) + b lrMul` for `x` `[b, in]`: `[b, out]`. */
export function applyDense(layer: EqualizedDense, x: tf.Tensor): tf.Tensor2D {
  return tf.add(
    tf.matMul(x as tf.Tensor2D, tf.mul(layer.weight, layer.gain) as tf.Tensor2D),
    tf.mul(layer.bias, layer.lrMul),
  ) as tf.Tensor2D;
}

/** A convolution with an equalised learning rate (D's layers). */
export interface EqualizedConv {
  /** `[k, k, in, out]`, stored as N(0, 1) draws. */
  weight: tf.Variable;
  /** `[out]`. */
  bias: tf.Variable;
  /** 1 / sqrt(k k in). */
  gain: number;
}

/** Creates an {@link EqualizedConv} `name`: `k`x`k`, `inC` to `outC` channels. */
export function equalizedConv(
  store: ParamStore,
  name: string,
  rng: Rng,
  shape: { k: number; inC: number; outC: number },
): EqualizedConv {
  const { k, inC, outC } = shape;
  return {
    weight: store.param(`${name}.weight`, normalInit(rng, [k, k, inC, outC], 0, 1)),
    bias: store.param(`${name}.bias`, tf.zeros([outC])),
    gain: 1 / Math.sqrt(k * k * inC),
  };
}

/** `conv(x, w gain) + b`, "same" padding, stride 1 or 2 (NHWC). */
export function applyConv(layer: EqualizedConv, x: tf.Tensor4D, stride: 1 | 2): tf.Tensor4D {
  const k = layer.weight.shape[0];
  const w = tf.mul(layer.weight, layer.gain) as tf.Tensor4D;
  const y = tf.conv2d(x, w, stride, k === 1 ? "valid" : (k - 1) / 2);
  return tf.add(y, layer.bias) as tf.Tensor4D;
}

/** A modulated convolution of the synthesis network, with its style affine and noise input. */
export interface ModulatedConv {
  /** w -> style, one scale per input channel (bias initialised to 1, StyleGAN2). */
  affine: EqualizedDense;
  /** `[k, k, in, out]`, stored as N(0, 1) draws. */
  weight: tf.Variable;
  /** `[out]`. */
  bias: tf.Variable;
  /** 1 / sqrt(k k in). */
  gain: number;
  /** Whether the output channels are demodulated (the convolutions: yes; ToGray: no). */
  demodulate: boolean;
  /** Noise input: learned strength `[1]` and the constant of evaluation mode `[1, h, w, 1]`. */
  noise?: { strength: tf.Variable; constant: tf.Variable };
  /** Nearest upsampling by 2 before the convolution. */
  up: boolean;
}

/** What {@link modulatedConv} builds. */
export interface ModulatedConvShape {
  /** Kernel size (3 for convolutions, 1 for ToGray). */
  k: number;
  inC: number;
  outC: number;
  /** Length of w. */
  wDim: number;
  /** Output resolution; given for layers with a noise input. */
  noiseSize?: number;
  /** Demodulate (default true). */
  demodulate?: boolean;
  /** Upsample by 2 first (default false). */
  up?: boolean;
}

/** Creates a {@link ModulatedConv} `name` in `store`. */
export function modulatedConv(
  store: ParamStore,
  name: string,
  rng: Rng,
  shape: ModulatedConvShape,
): ModulatedConv {
  const { k, inC, outC, wDim, noiseSize, demodulate = true, up = false } = shape;
  const affine = equalizedDense(store, `${name}.affine`, rng, { inF: wDim, outF: inC }, {
    biasInit: 1,
  });
  const weight = store.param(`${name}.weight`, normalInit(rng, [k, k, inC, outC], 0, 1));
  const bias = store.param(`${name}.bias`, tf.zeros([outC]));
  const noise = noiseSize === undefined ? undefined : {
    strength: store.param(`${name}.noise_strength`, tf.zeros([1])),
    constant: store.buffer(
      `${name}.noise_const`,
      normalInit(rng, [1, noiseSize, noiseSize, 1], 0, 1),
    ),
  };
  return { affine, weight, bias, gain: 1 / Math.sqrt(k * k * inC), demodulate, noise, up };
}

/**
 * The modulated convolution of `x` `[b, h, w, in]` under styles from `w` `[b, wDim]`: upsample
 * (if `up`), scale the input channels by the style, convolve, demodulate, add noise and bias.
 * No activation (the caller applies {@link styleActivation} to convolutions, not to ToGray).
 */
export function applyModulatedConv(
  layer: ModulatedConv,
  x: tf.Tensor4D,
  w: tf.Tensor2D,
  ctx: ForwardContext,
): tf.Tensor4D {
  const b = x.shape[0];
  const [k, , inC, outC] = layer.weight.shape;
  const style = applyDense(layer.affine, w); //                  [b, in]
  const input = layer.up ? upsampleNearest(x) : x;
  const weight = tf.mul(layer.weight, layer.gain) as tf.Tensor4D; // [k, k, in, out]
  const modulated = tf.mul(input, tf.reshape(style, [b, 1, 1, inC])) as tf.Tensor4D;
  let y = tf.conv2d(modulated, weight, 1, k === 1 ? "valid" : (k - 1) / 2) as tf.Tensor4D;
  if (layer.demodulate) {
    // 1 / sqrt(sum_{i,taps} (w s_i)^2) = rsqrt(s^2 @ sum_taps w^2): [b, out]
    const tapEnergy = tf.sum(tf.square(weight), [0, 1]) as tf.Tensor2D; // [in, out]
    const demod = tf.rsqrt(tf.add(tf.matMul(tf.square(style), tapEnergy), 1e-8));
    y = tf.mul(y, tf.reshape(demod, [b, 1, 1, outC]));
  }
  if (layer.noise) {
    const [, h, wd] = y.shape;
    const n = noiseMap(layer.noise.constant, [b, h, wd, 1], ctx);
    y = tf.add(y, tf.mul(n, layer.noise.strength));
  }
  return tf.add(y, layer.bias) as tf.Tensor4D;
}

/**
 * The noise image of one layer: fresh N(0, 1) draws from `ctx.rng` in training mode (so runs
 * resume exactly), the layer's stored constant otherwise.
 */
function noiseMap(constant: tf.Tensor, shape: number[], ctx: ForwardContext): tf.Tensor {
  if (!ctx.training) return constant;
  if (!ctx.rng) throw new Error("a noise input in training mode needs ctx.rng");
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(ctx.rng.fillNormal(new Float32Array(n)), shape);
}

/**
 * Nearest-neighbour upsampling by 2 of `[b, h, w, c]`: every pixel repeated 2x2. Its gradient
 * sums each 2x2 block as two reductions over a middle axis (one pass each in the engine), not
 * through tfjs's ResizeNearestNeighborGrad (16 ms a call on wasm for G's 14x14x64 maps).
 */
export function upsampleNearest(x: tf.Tensor4D): tf.Tensor4D {
  return upsampleNearestOp(x) as tf.Tensor4D;
}

const upsampleNearestOp = tf.customGrad(
  ((x: tf.Tensor) => {
    const [b, h, w, c] = x.shape;
    return {
      value: tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [2 * h, 2 * w]),
      gradFunc: (dy: tf.Tensor) => {
        // [b, 2h, 2w, c] -> rows of [b h, 2, 2w c] summed over the pair of rows, then columns
        const rows = tf.sum(tf.reshape(dy, [b * h, 2, 2 * w * c]), 1);
        return tf.reshape(tf.sum(tf.reshape(rows, [b * h * w, 2, c]), 1), [b, h, w, c]);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0],
);

/** StyleGAN2's resampling filter [1, 3, 3, 1] (outer product), scaled for upsampling by 2. */
const UP_FILTER = (() => {
  const f = [1, 3, 3, 1];
  const k = new Float32Array(16);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) k[i * 4 + j] = (f[i] * f[j]) / 16;
  return k; // sums to 4: each output pixel gets a quarter of the weight, an average
})();

/**
 * One-channel images `[b, h, w, 1]` upsampled by 2 with StyleGAN2's [1, 3, 3, 1] filter
 * (a transposed convolution with a fixed 4x4 kernel): `[b, 2h, 2w, 1]`.
 */
export function upsampleImage(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (c !== 1) throw new Error(`upsampleImage: expected 1 channel, got ${c}`);
  return tf.tidy(() =>
    tf.conv2dTranspose(x, tf.tensor4d(UP_FILTER, [4, 4, 1, 1]), [b, 2 * h, 2 * w, 1], 2, 1)
  );
}

/**
 * Minibatch standard deviation (Karras et al. 2018): the standard deviation of every feature
 * over groups of `groupSize` examples, averaged into one number per group member, appended to
 * `x` `[b, h, w, c]` as one more channel: `[b, h, w, c + 1]`. Examples i and i + b / G share a
 * group; G is the largest divisor of b up to `groupSize`.
 */
export function minibatchStddev(x: tf.Tensor4D, groupSize: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  let g = Math.min(groupSize, b);
  while (b % g !== 0) g--;
  const m = b / g;
  const grouped = tf.reshape(x, [g, m, h * w * c]);
  const variance = tf.mean(tf.square(tf.sub(grouped, tf.mean(grouped, 0, true))), 0); // [m, hwc]
  const std = tf.mean(tf.sqrt(tf.add(variance, 1e-8)), 1); //                       [m]
  // example i = j m + k (group member j) takes std[k]: broadcast, not tiled (Tile is slow)
  const perExample = tf.add(tf.reshape(std, [1, m, 1, 1, 1]), tf.zeros([g, 1, h, w, 1]));
  const map = tf.reshape(perExample, [b, h, w, 1]);
  return tf.concat([x, map], 3) as tf.Tensor4D;
}
