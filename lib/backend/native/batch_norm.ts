/**
 * Training-mode batch norm fused with its activation and channel mask, on oneDNN's batch
 * normalization, eltwise and binary primitives (float32 at every precision: statistics stay
 * exact), over channels-last data in place. `models/fused_batch_norm.ts` is its caller.
 *
 * @module
 */
import { type Dnnl, type Primitive, type Ptr, ptrOf } from "./dnnl.ts";
import { ARG, BN_FLAGS, KIND, TAG } from "./dnnl_api.ts";

/**
 * The geometry of a channels-last batch norm: `batch` examples of `spatial` rows of `c`
 * channels (a [batch, ..., c] tensor; a dense layer's [batch, c] has `spatial` 1).
 */
export interface BatchNormShape {
  batch: number;
  spatial: number;
  c: number;
}

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

/** The descriptors of a batch norm's data ([batch, c, 1, spatial] nhwc), channels and mask. */
/**
 * The descriptors of a batch norm's data: `rows` ([batch * spatial, c] rows of channels, the
 * shape oneDNN's batch norm parallelises best: as [1, c, 1, spatial] it ran 3x slower),
 * `flat` (every value in a row, for the elementwise activation), `data` ([batch, c, 1,
 * spatial] nhwc, for the product with the [batch, c] mask), channels and mask.
 */
function bnMds(
  dnnl: Dnnl,
  s: BatchNormShape,
): { rows: Uint8Array; flat: Uint8Array; data: Uint8Array; chan: Uint8Array; mask: Uint8Array } {
  return {
    rows: dnnl.md([s.batch * s.spatial, s.c, 1, 1], TAG.nhwc),
    flat: dnnl.md([s.batch * s.spatial * s.c], TAG.a),
    data: dnnl.md([s.batch, s.c, 1, s.spatial], TAG.nhwc),
    chan: dnnl.md([s.c], TAG.a),
    mask: dnnl.md([s.batch, s.c, 1, 1], TAG.nhwc),
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

/** ReLU with negative slope `slope`, in place (its backward pass takes it as the hint). */
function reluForward(dnnl: Dnnl, s: BatchNormShape, slope: number): Primitive {
  return dnnl.primitive(`eltf:${s.batch},${s.spatial},${s.c},${slope}`, () => {
    const { flat: data } = bnMds(dnnl, s);
    return {
      op: (d) =>
        dnnl.symbols.dnnl_eltwise_forward_desc_init(
          ptrOf(d),
          KIND.forwardTraining,
          KIND.reluUseDst,
          ptrOf(data),
          slope,
          0,
        ),
      mds: [[ARG.src, data], [ARG.dst, data]],
    };
  });
}

/** The data times the [batch, c] channel mask. */
function maskMul(dnnl: Dnnl, s: BatchNormShape): Primitive {
  return dnnl.primitive(`mul:${s.batch},${s.spatial},${s.c}`, () => {
    const { data, mask } = bnMds(dnnl, s);
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
  if (slope !== null) dnnl.run(reluForward(dnnl, s, slope), [[ARG.src, b.y], [ARG.dst, b.y]]);
  if (b.mask) {
    dnnl.run(maskMul(dnnl, s), [[ARG.src, b.y], [ARG.src1, b.mask], [ARG.dst, b.y]]);
  }
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
  let g = b.dy;
  if (b.mask) {
    dnnl.run(maskMul(dnnl, s), [[ARG.src, b.dy], [ARG.src1, b.mask], [ARG.dst, scratch]]);
    g = scratch;
  }
  if (slope !== null) {
    // the activation's derivative from the sign of its output (a mask keeps the sign)
    const act = dnnl.primitive(`eltb:${s.batch},${s.spatial},${s.c},${slope}`, () => {
      const { flat: data } = bnMds(dnnl, s);
      return {
        op: (d) =>
          dnnl.symbols.dnnl_eltwise_backward_desc_init(
            ptrOf(d),
            KIND.reluUseDst,
            ptrOf(data),
            ptrOf(data),
            slope,
            0,
          ),
        hint: reluForward(dnnl, s, slope).pd,
        mds: [[ARG.dst, data], [ARG.diffDst, data], [ARG.diffSrc, data]],
      };
    });
    dnnl.run(act, [[ARG.dst, b.y], [ARG.diffDst, g], [ARG.diffSrc, scratch]]);
    g = scratch;
  }
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
