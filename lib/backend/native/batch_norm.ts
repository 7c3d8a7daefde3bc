/**
 * Training-mode batch norm fused with its activation and channel mask, on oneDNN's batch
 * normalization, eltwise and binary primitives (float32 at every precision: statistics stay
 * exact), over channels-last data in place. `models/fused_batch_norm.ts` is its caller.
 *
 * @module
 */
import { type Dnnl, type Primitive, type Ptr, ptrOf } from "./dnnl.ts";
import { activationBackward, activationForward, type ChannelsShape } from "./activation.ts";
import { ARG, BN_FLAGS, KIND, TAG } from "./dnnl_api.ts";

/**
 * The geometry of a channels-last batch norm: `batch` examples of `spatial` rows of `c`
 * channels (a [batch, ..., c] tensor; a dense layer's [batch, c] has `spatial` 1).
 */
export type BatchNormShape = ChannelsShape;

/** Pointers of a fused batch norm forward pass (training mode). */
export interface BatchNormForwardBuffers {
  /** Input [batch, spatial, c]. */
  x: Ptr;
  /** Scale and shift [c]. */
  gamma: Ptr;
  beta: Ptr;
  /** Output, same shape as x. */
  y: Ptr;
  /** Batch mean and biased variance [c], written. */
  mean: Ptr;
  variance: Ptr;
  /** Channel mask [batch, c] multiplied into the output, or null. */
  mask: Ptr;
}

/** Pointers of a fused batch norm backward pass. */
export interface BatchNormBackwardBuffers {
  /** The forward input, output, batch mean and variance, scale, shift and mask (or null). */
  x: Ptr;
  y: Ptr;
  mean: Ptr;
  variance: Ptr;
  gamma: Ptr;
  beta: Ptr;
  mask: Ptr;
  /** The output's gradient (read only). */
  dy: Ptr;
  /** Written: the input's gradient, and those of scale and shift [c]. */
  dx: Ptr;
  dgamma: Ptr;
  dbeta: Ptr;
}

/**
 * The descriptors of a batch norm's data, `rows` ([batch * spatial, c] rows of channels, the
 * shape oneDNN's batch norm parallelises best: as [1, c, 1, spatial] it ran 3x slower), and of
 * its channels.
 */
function bnMds(dnnl: Dnnl, s: BatchNormShape): { rows: Uint8Array; chan: Uint8Array } {
  return {
    rows: dnnl.md([s.batch * s.spatial, s.c, 1, 1], TAG.nhwc),
    chan: dnnl.md([s.c], TAG.a),
  };
}

function bnForward(dnnl: Dnnl, s: BatchNormShape, eps: number): Primitive {
  return dnnl.primitive(`bnf:${s.batch},${s.spatial},${s.c},${eps}`, () => {
    const { rows: data, chan } = bnMds(dnnl, s);
    return {
      op: (d) =>
        dnnl.symbols.dnnl_batch_normalization_forward_desc_init(
          ptrOf(d),
          KIND.forwardTraining,
          ptrOf(data),
          eps,
          BN_FLAGS.useScale | BN_FLAGS.useShift,
        ),
      mds: [[ARG.src, data], [ARG.dst, data], [ARG.mean, chan], [ARG.variance, chan], [
        ARG.scale,
        chan,
      ], [ARG.shift, chan]],
    };
  });
}

/**
 * Training-mode batch norm over channels-last data, then `act` (ReLU with negative slope
 * `slope`: 0 for ReLU, alpha for LeakyReLU; null for none), then the channel mask:
 * y = act(gamma (x - mean) / sqrt(var + eps) + beta) [* mask]. Mean and biased variance are
 * written to their buffers.
 */
export function batchNormForward(
  dnnl: Dnnl,
  s: BatchNormShape,
  eps: number,
  slope: number | null,
  b: BatchNormForwardBuffers,
): void {
  dnnl.run(bnForward(dnnl, s, eps), [
    [ARG.src, b.x],
    [ARG.dst, b.y],
    [ARG.mean, b.mean],
    [ARG.variance, b.variance],
    [ARG.scale, b.gamma],
    [ARG.shift, b.beta],
  ]);
  activationForward(dnnl, s, slope, b.mask ? { mask: b.mask } : null, b.y, b.y);
  dnnl.wait();
}

/**
 * The gradients of {@link batchNormForward}: g = dy [* mask] act'(y), then batch norm's
 * backward pass (dx, dgamma, dbeta). `scratch` holds g ([batch, spatial, c] floats).
 */
export function batchNormBackward(
  dnnl: Dnnl,
  s: BatchNormShape,
  eps: number,
  slope: number | null,
  b: BatchNormBackwardBuffers,
  scratch: Ptr,
): void {
  const scale = b.mask ? { mask: b.mask } : null;
  activationBackward(dnnl, s, slope, scale, { y: b.y, dy: b.dy, dx: scratch });
  const g = slope === null && !scale ? b.dy : scratch;
  const bwd = dnnl.primitive(`bnb:${s.batch},${s.spatial},${s.c},${eps}`, () => {
    const { rows: data, chan } = bnMds(dnnl, s);
    return {
      op: (d) =>
        dnnl.symbols.dnnl_batch_normalization_backward_desc_init(
          ptrOf(d),
          KIND.backward,
          ptrOf(data),
          ptrOf(data),
          eps,
          BN_FLAGS.useScale | BN_FLAGS.useShift,
        ),
      hint: bnForward(dnnl, s, eps).pd,
      mds: [
        [ARG.src, data],
        [ARG.mean, chan],
        [ARG.variance, chan],
        [ARG.diffDst, data],
        [ARG.scale, chan],
        [ARG.shift, chan],
        [ARG.diffSrc, data],
        [ARG.diffScale, chan],
        [ARG.diffShift, chan],
      ],
    };
  });
  dnnl.run(bwd, [
    [ARG.src, b.x],
    [ARG.mean, b.mean],
    [ARG.variance, b.variance],
    [ARG.diffDst, g],
    [ARG.scale, b.gamma],
    [ARG.shift, b.beta], // oneDNN 2.6 asks for it, though the gradients do not depend on it
    [ARG.diffSrc, b.dx],
    [ARG.diffScale, b.dgamma],
    [ARG.diffShift, b.dbeta],
  ]);
  dnnl.wait();
}
