/**
 * ReLU with a negative slope (ReLU, LeakyReLU), then a gain or a per-example channel mask, over
 * channels-last float32 data, with its gradient: oneDNN's eltwise and binary primitives,
 * vectorised and threaded, on the tensors' memory. Callers: `batch_norm.ts` (after the
 * normalisation) and `models/fused_batch_norm.ts` (LeakyReLU x sqrt(2), StyleGAN's activation;
 * LeakyReLU + channel dropout).
 *
 * Forward: y = relu(x, slope) [* gain | * mask[example, channel]]. Backward, from the output:
 * dx = (dy [* gain | * mask]) * (y > 0 ? 1 : slope). The output keeps the input's sign where the
 * gain or mask is positive, and where a mask entry is 0 the gradient is 0 either way, so y is
 * all the backward pass needs (oneDNN's `relu_use_dst_for_bwd`); 0 counts as negative, as in
 * tfjs's LeakyRelu gradient. Each product is one float32 rounding, as tfjs's Multiply: the
 * results are those of tfjs's LeakyRelu and Multiply kernels, bit for bit.
 *
 * @module
 */
import { type Dnnl, type Primitive, type Ptr, ptrOf } from "./dnnl.ts";
import { ARG, KIND, TAG } from "./dnnl_api.ts";

/**
 * The geometry of channels-last data: `batch` examples of `spatial` rows of `c` channels (a
 * [batch, ..., c] tensor). A mask has one value per example and channel ([batch, c]); without
 * one, `batch` may be 1 (every row alike).
 */
export interface ChannelsShape {
  batch: number;
  spatial: number;
  c: number;
}

/** What multiplies the activation's output: nothing, one number, or a [batch, c] mask. */
export type OutputScale = { gain: number } | { mask: Ptr } | null;

/** `flat`: every value in a row (elementwise work); `data` / `mask`: for the mask product. */
function mds(dnnl: Dnnl, s: ChannelsShape) {
  return {
    flat: dnnl.md([s.batch * s.spatial * s.c], TAG.a),
    data: dnnl.md([s.batch, s.c, 1, s.spatial], TAG.nhwc),
    mask: dnnl.md([s.batch, s.c, 1, 1], TAG.nhwc),
  };
}

const size = (s: ChannelsShape) => s.batch * s.spatial * s.c;

/**
 * An elementwise forward primitive over `s`'s values: `alg` with `alpha` (ReLU with negative
 * slope alpha, whose backward pass takes it as the hint; linear: alpha x).
 */
function eltwise(dnnl: Dnnl, s: ChannelsShape, alg: number, alpha: number): Primitive {
  return dnnl.primitive(`eltwise:${alg},${size(s)},${alpha}`, () => {
    const { flat } = mds(dnnl, s);
    return {
      op: (d) =>
        dnnl.symbols.dnnl_eltwise_forward_desc_init(
          ptrOf(d),
          KIND.forwardTraining,
          alg,
          ptrOf(flat),
          alpha,
          0,
        ),
      mds: [[ARG.src, flat], [ARG.dst, flat]],
    };
  });
}

/** dx = dy * (y > 0 ? 1 : slope). */
function reluBackward(dnnl: Dnnl, s: ChannelsShape, slope: number): Primitive {
  return dnnl.primitive(`relu-b:${size(s)},${slope}`, () => {
    const { flat } = mds(dnnl, s);
    return {
      op: (d) =>
        dnnl.symbols.dnnl_eltwise_backward_desc_init(
          ptrOf(d),
          KIND.reluUseDst,
          ptrOf(flat),
          ptrOf(flat),
          slope,
          0,
        ),
      hint: eltwise(dnnl, s, KIND.reluUseDst, slope).pd,
      mds: [[ARG.dst, flat], [ARG.diffDst, flat], [ARG.diffSrc, flat]],
    };
  });
}

/** out = in * mask, the [batch, c] mask broadcast over each example's rows. */
function maskProduct(dnnl: Dnnl, s: ChannelsShape): Primitive {
  return dnnl.primitive(`mask:${s.batch},${s.spatial},${s.c}`, () => {
    const { data, mask } = mds(dnnl, s);
    return {
      op: (d) =>
        dnnl.symbols.dnnl_binary_desc_init(
          ptrOf(d),
          KIND.binaryMul,
          ptrOf(data),
          ptrOf(mask),
          ptrOf(data),
        ),
      mds: [[ARG.src, data], [ARG.src1, mask], [ARG.dst, data]],
    };
  });
}

/** to = from * scale (a gain or a mask); `to` may be `from`. */
function scaleBy(dnnl: Dnnl, s: ChannelsShape, scale: OutputScale, from: Ptr, to: Ptr): void {
  if (!scale) return;
  if ("gain" in scale) {
    dnnl.run(eltwise(dnnl, s, KIND.eltwiseLinear, scale.gain), [[ARG.src, from], [ARG.dst, to]]);
  } else {
    dnnl.run(maskProduct(dnnl, s), [[ARG.src, from], [ARG.src1, scale.mask], [ARG.dst, to]]);
  }
}

/**
 * y = relu(x, slope) [* scale] over `s` (`slope`: 0 for ReLU, alpha for LeakyReLU, null for no
 * activation; `x` may be `y`). Queued on the engine's stream: the caller waits (`dnnl.wait()`)
 * before reading y.
 *
 * @example
 * ```ts
 * // StyleGAN's activation, LeakyReLU(0.2) x sqrt(2), of n float32 values at x into y
 * activationForward(dnnl, { batch: 1, spatial: 1, c: n }, 0.2, { gain: Math.SQRT2 }, x, y);
 * dnnl.wait();
 * ```
 */
export function activationForward(
  dnnl: Dnnl,
  s: ChannelsShape,
  slope: number | null,
  scale: OutputScale,
  x: Ptr,
  y: Ptr,
): void {
  if (slope === null) return scaleBy(dnnl, s, scale, x, y);
  dnnl.run(eltwise(dnnl, s, KIND.reluUseDst, slope), [[ARG.src, x], [ARG.dst, y]]);
  scaleBy(dnnl, s, scale, y, y);
}

/**
 * The gradient of {@link activationForward} from its output `y`: dx = (dy [* scale]) *
 * (y > 0 ? 1 : slope). `dx` may be `dy`; with neither a slope nor a scale, nothing is written
 * (dx is dy). Queued: the caller waits before reading dx.
 */
export function activationBackward(
  dnnl: Dnnl,
  s: ChannelsShape,
  slope: number | null,
  scale: OutputScale,
  b: { y: Ptr; dy: Ptr; dx: Ptr },
): void {
  let g = b.dy;
  if (scale) {
    scaleBy(dnnl, s, scale, b.dy, b.dx);
    g = b.dx;
  }
  if (slope === null) return;
  dnnl.run(reluBackward(dnnl, s, slope), [[ARG.dst, b.y], [ARG.diffDst, g], [ARG.diffSrc, b.dx]]);
}

/**
 * y = tanh(x) over `n` float32 values (`x` may be `y`): oneDNN's eltwise tanh, within 2e-7 of
 * `Math.tanh` (tested). Queued: the caller waits before reading y.
 */
export function tanhForward(dnnl: Dnnl, n: number, x: Ptr, y: Ptr): void {
  const s = { batch: 1, spatial: 1, c: n };
  dnnl.run(eltwise(dnnl, s, KIND.eltwiseTanh, 0), [[ARG.src, x], [ARG.dst, y]]);
}
