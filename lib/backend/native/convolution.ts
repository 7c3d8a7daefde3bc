/**
 * oneDNN's convolution primitives (forward, backward data, backward weights) on NHWC tensors
 * in place, at the engine's precision.
 *
 * Layouts: activations `nhwc`; weights are handed over as tfjs stores them (`hwio`,
 * [kh, kw, ci, co]), and the primitive chooses its own weights layout (`any`), reached with a
 * cached reorder when it differs: oneDNN's fast kernels want blocked weights, and a reorder of
 * the largest filter of these models costs far less than a slow kernel.
 *
 * Precision `bf16` (mixed): the two inputs of each pass are converted to bfloat16 inside the
 * engine (the weights by the same reorder that blocks them, the activations by a reorder into a
 * scratch buffer), the primitive accumulates in float32 and writes its float32 output straight
 * into the tensor: forward `bf16 x bf16 -> f32`, backward data `bf16 dy x bf16 w -> f32 dx`,
 * backward weights `bf16 x x bf16 dy -> f32 dw`, the combinations oneDNN 2.6's `brgconv` and
 * `jit:avx512_core_bf16` kernels take.
 *
 * @module
 */
import { type DataType, type Dnnl, type Precision, type Ptr, ptrOf, type Reorder } from "./dnnl.ts";
import { ARG, KIND, OP_DESC_BYTES, QUERY, TAG } from "./dnnl_api.ts";
import { gemm } from "./matmul.ts";
import type { ConvGeometry } from "../wasm/wasm_util.ts";

/**
 * The geometry of one NHWC convolution (the forward direction): the wasm pack's description,
 * without tfjs's own (`info`), so tests and benchmarks can state one by hand.
 */
export type ConvShape = Omit<ConvGeometry, "info">;

/**
 * The buffers of one pass (see {@link convolve}), and optionally the identity of the filter's
 * data (its tfjs `dataId`): a filter with an identity is converted (blocked, bf16) once and the
 * copy reused while the identity lives.
 */
export interface ConvBuffers {
  x: Ptr;
  w: Ptr;
  y: Ptr;
  filterId?: object;
}

/** Which pass of a convolution a primitive computes. */
export type ConvPass = "forward" | "backwardData" | "backwardWeights";

/** A cached convolution primitive with its memories and the reorders around it. */
interface ConvPrimitive {
  prim: Ptr;
  src: Ptr;
  weights: Ptr;
  dst: Ptr;
  /** hwio float32 -> the primitive's weights (layout and type; forward, backward data). */
  toPrimitive: Reorder | null;
  /** The primitive's diff-weights layout -> hwio (backward weights); null if it is hwio. */
  fromPrimitive: Reorder | null;
  /** float32 nhwc -> bfloat16 nhwc of the pass's activation inputs (bf16 only). */
  srcToBf16: Reorder | null;
  dstToBf16: Reorder | null;
  /** oneDNN's implementation name, e.g. `brgconv:avx512_core`. */
  impl: string;
  args: Uint8Array;
}

function build(dnnl: Dnnl, shape: ConvShape, pass: ConvPass, key: string): ConvPrimitive {
  const { n, h, w, ci, oh, ow, co, kh, kw, sh, sw, pt, pl } = shape;
  const lib = dnnl.symbols;
  const low: DataType = passPrecision(dnnl, pass) === "bf16" ? "bf16" : "f32";
  // the element type of each operand in this pass: inputs `low`, the output float32
  const srcType: DataType = pass === "backwardData" ? "f32" : low;
  const dstType: DataType = pass === "forward" ? "f32" : low;
  const wType: DataType = pass === "backwardWeights" ? "f32" : low;
  const [pb, pr] = farPadding(shape);
  const src = dnnl.md([n, ci, h, w], TAG.nhwc, srcType);
  const dst = dnnl.md([n, co, oh, ow], TAG.nhwc, dstType);
  const hwio = dnnl.md([co, ci, kh, kw], TAG.hwio);
  const anyW = dnnl.md([co, ci, kh, kw], TAG.any, wType);
  const dims = (a: number, b: number) => new BigInt64Array([BigInt(a), BigInt(b)]);
  const strides = dims(sh, sw), padL = dims(pt, pl), padR = dims(pb, pr);
  const p = ptrOf;
  // backward passes need a forward primitive descriptor as a hint; at bf16 it is the forward
  // pass of the same element types
  const hintSrc = dnnl.md([n, ci, h, w], TAG.nhwc, low);
  const hintW = dnnl.md([co, ci, kh, kw], TAG.any, low);
  const fwdOp = new Uint8Array(OP_DESC_BYTES);
  dnnl.check(
    lib.dnnl_convolution_forward_desc_init(
      p(fwdOp),
      KIND.forwardTraining,
      KIND.convolutionDirect,
      p(pass === "forward" ? src : hintSrc),
      p(pass === "forward" ? anyW : hintW),
      null,
      p(dst),
      p(strides),
      p(padL),
      p(padR),
    ),
    "convolution_forward_desc_init",
  );
  const fwdPd = dnnl.primitiveDesc(fwdOp, `forward convolution (${key})`);
  let pd = fwdPd;
  if (pass !== "forward") {
    const op = new Uint8Array(OP_DESC_BYTES);
    const status = pass === "backwardData"
      ? lib.dnnl_convolution_backward_data_desc_init(
        p(op),
        KIND.convolutionDirect,
        p(src),
        p(anyW),
        p(dst),
        p(strides),
        p(padL),
        p(padR),
      )
      : lib.dnnl_convolution_backward_weights_desc_init(
        p(op),
        KIND.convolutionDirect,
        p(src),
        p(anyW),
        null,
        p(dst),
        p(strides),
        p(padL),
        p(padR),
      );
    dnnl.check(status, `convolution_${pass}_desc_init`);
    pd = dnnl.primitiveDesc(op, `${pass} convolution (${key})`, null, fwdPd);
  }
  const wMd = lib.dnnl_primitive_desc_query_md(
    pd,
    pass === "backwardWeights" ? QUERY.diffWeightsMd : QUERY.weightsMd,
    0,
  );
  const plain = dnnl.mdEqual(wMd, hwio);
  const f32Copy = (md: Uint8Array) => dnnl.md(mdDims(shape, md === src ? "src" : "dst"), TAG.nhwc);
  return {
    prim: dnnl.createPrimitive(pd),
    src: dnnl.memory(src),
    weights: dnnl.memory(wMd!),
    dst: dnnl.memory(dst),
    toPrimitive: !plain && pass !== "backwardWeights" ? dnnl.reorder(hwio, wMd!) : null,
    fromPrimitive: !plain && pass === "backwardWeights" ? dnnl.reorder(wMd!, hwio) : null,
    srcToBf16: srcType === "bf16" ? dnnl.reorder(f32Copy(src), src) : null,
    dstToBf16: dstType === "bf16" ? dnnl.reorder(f32Copy(dst), dst) : null,
    impl: dnnl.implName(pd),
    args: dnnl.execArgs(3),
  };
}

/**
 * The precision a pass runs at: the engine's, except the weight gradient, which stays float32:
 * oneDNN 2.6's bf16 weight-gradient kernels (`jit_bf16`) measured slower than its fp32 ones on
 * every layer of these models but the two largest, where they were within 8% (`docs/
 * performance.md`), and float32 weight gradients are what the optimiser would keep anyway.
 */
export function passPrecision(dnnl: Dnnl, pass: ConvPass): Precision {
  return pass === "backwardWeights" ? "fp32" : dnnl.precision;
}

/**
 * Whether the convolution is a dense layer in disguise: the filter covers the whole unpadded
 * input and the output is 1x1 (the DCGAN's first G and last D layers). Its weight gradient is
 * one GEMM, several times faster than oneDNN's convolution kernel at this shape.
 */
export function isDenseConv(s: ConvShape): boolean {
  return s.oh === 1 && s.ow === 1 && s.kh === s.h && s.kw === s.w && s.pt === 0 && s.pl === 0;
}

/**
 * The bottom and right padding oneDNN is given: what the last window needs beyond the input.
 * Negative where the stride leaves rows or columns of the input unread ('valid' with leftovers,
 * a 1x1 filter at stride 2): oneDNN accepts that, but its AVX2 weight-gradient kernels corrupted
 * the heap on such shapes (glibc aborts, seen on an AMD EPYC without AVX-512), so the native
 * kernels leave them to the wasm pack (`kernels.ts`); the models have none.
 */
export function farPadding(s: ConvShape): [number, number] {
  return [(s.oh - 1) * s.sh + s.kh - s.h - s.pt, (s.ow - 1) * s.sw + s.kw - s.w - s.pl];
}

/** The oneDNN dims (n, c, h, w) of a convolution's input or output. */
function mdDims(s: ConvShape, which: "src" | "dst"): number[] {
  return which === "src" ? [s.n, s.ci, s.h, s.w] : [s.n, s.co, s.oh, s.ow];
}

/**
 * Runs one pass of the convolution `shape` on float32 buffers in place, at `dnnl.precision`:
 * - `forward`: y[n, oh, ow, co] = conv(x[n, h, w, ci], w[kh, kw, ci, co]);
 * - `backwardData`: dx = conv_backward_data(dy, w) (also a transposed convolution's forward);
 * - `backwardWeights`: dw[kh, kw, ci, co] = conv_backward_weights(x, dy).
 *
 * `x`, `w` and `y` are the NHWC input, the hwio filter and the NHWC output of the forward
 * convolution (for the backward passes: x or dx, w or dw, dy). The output buffer is
 * overwritten. Returns oneDNN's implementation name.
 */
export function convolve(
  dnnl: Dnnl,
  shape: ConvShape,
  pass: ConvPass,
  buffers: ConvBuffers,
): string {
  const { n, h, w, ci, oh, ow, co, kh, kw, sh, sw, pt, pl } = shape;
  if (pass === "backwardWeights" && isDenseConv(shape)) {
    // dW[(kh kw ci), co] = X[n, (h w ci)]^T dY[n, co]
    gemm(
      dnnl,
      { transA: true, transB: false, m: kh * kw * ci, n: co, k: n },
      buffers.x,
      buffers.y,
      buffers.w,
      0,
      "fp32",
    );
    return "gemm";
  }
  const precision = passPrecision(dnnl, pass);
  const key = `conv:${precision}:${pass}:${[n, h, w, ci, oh, ow, co, kh, kw, sh, sw, pt, pl]}`;
  const c = dnnl.cached(key, () => build(dnnl, shape, pass, key));
  let { x, w: weights, y } = buffers;
  if (c.toPrimitive) {
    weights = dnnl.converted("conv-weights", c.toPrimitive, buffers.w, buffers.filterId);
  } else if (c.fromPrimitive) {
    weights = dnnl.scratch("conv-weights", c.fromPrimitive.fromBytes);
  }
  if (c.srcToBf16) x = dnnl.converted("conv-src", c.srcToBf16, buffers.x);
  if (c.dstToBf16) y = dnnl.converted("conv-dst", c.dstToBf16, buffers.y);
  const lib = dnnl.symbols;
  lib.dnnl_memory_set_data_handle(c.src, x);
  lib.dnnl_memory_set_data_handle(c.weights, weights);
  lib.dnnl_memory_set_data_handle(c.dst, y);
  const argSrc = pass === "backwardData" ? ARG.diffSrc : ARG.src;
  const argW = pass === "backwardWeights" ? ARG.diffWeights : ARG.weights;
  const argDst = pass === "forward" ? ARG.dst : ARG.diffDst;
  dnnl.exec(c.prim, c.args, [[argSrc, c.src], [argW, c.weights], [argDst, c.dst]]);
  if (c.fromPrimitive) dnnl.runReorder(c.fromPrimitive, weights, buffers.w);
  dnnl.wait();
  return c.impl;
}
