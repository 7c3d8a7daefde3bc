/**
 * Conv2DBackpropInput (the input gradient of conv2d, and the forward pass of
 * conv2dTranspose) for the wasm backend, built from stride-1 XNNPACK Conv2D
 * calls instead of the stock ~1.6 GFLOP/s direct loop.
 *
 * Design (sub-pixel / phase decomposition): with strides (sh, sw), output rows
 * h with (h + pt) mod sh == ph only receive filter taps a == ph (mod sh). For
 * each of the sh*sw phases (ph, pw), the contribution is one stride-1
 * correlation of dy with a sub-filter made of those taps, spatially flipped and
 * with in/out channels swapped ([Jh, Jw, Co, Ci]). Each phase runs as one
 * stock Conv2D call with explicit padding; the phase outputs are then
 * interleaved into dx with a heap copy. Details:
 *
 * - Phases with no taps (k < s) produce zeros.
 * - When a phase would need negative padding (large pads / floor rounding),
 *   padding is clamped at 0 and the extra conv rows/columns are skipped during
 *   the interleave.
 * - Stride 1 with an exactly-sized result returns the conv output directly.
 * - Fast path: a 1x1 dy with an unpadded full-size filter window (e.g.
 *   z[N,1,1,C] -> [N,4,4,C']) is a plain GEMM dy[N,Co] @ W[kh*kw*Ci,Co]^T.
 *
 * Supported: any strides, explicit/'same'/'valid' pads, dimRoundingMode,
 * NHWC and NCHW (NCHW is transposed to NHWC and back). Dilations are not an
 * attribute of this kernel in tfjs (always 1).
 *
 * @module
 */
import {
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  type KernelConfig,
  type TensorInfo,
} from "@tensorflow/tfjs-core";
import { matMul2D } from "./batch_mat_mul.ts";
import {
  type BackendWasm,
  type ConvGeometry,
  convGeometry,
  dispose,
  heapF32,
  makeOutput,
  packKernelConfig,
  padsToNHWC,
  reshape,
  runKernel,
  transpose,
} from "./wasm_util.ts";

/** Geometry of one phase along one spatial axis. */
interface AxisPhase {
  /** Phase index (0 <= phase < stride). */
  phase: number;
  /** Number of filter taps in this phase. */
  taps: number;
  /** First q (output position = q*stride + phase - padBefore). */
  qMin: number;
  /** Number of output positions in this phase. */
  count: number;
  /** Explicit (non-negative) conv padding before / after. */
  padBefore: number;
  padAfter: number;
  /** Conv output offset of the first wanted position. */
  offset: number;
}

/**
 * Phase geometry along one axis: output size `outSize` (dx), input size
 * `inSize` (dy), filter size `k`, stride `s`, forward padding `p`.
 */
export function axisPhases(
  outSize: number,
  inSize: number,
  k: number,
  s: number,
  p: number,
): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let phase = 0; phase < s; phase++) {
    const taps = phase < k ? Math.ceil((k - phase) / s) : 0;
    const qMin = Math.ceil((p - phase) / s);
    const qMax = Math.floor((outSize - 1 + p - phase) / s);
    const count = Math.max(0, qMax - qMin + 1);
    const rawBefore = taps - 1 - qMin;
    const padBefore = Math.max(0, rawBefore);
    const offset = padBefore - rawBefore;
    const padAfter = Math.max(
      0,
      count + offset - 1 + taps - inSize - padBefore,
    );
    phases.push({ phase, taps, qMin, count, padBefore, padAfter, offset });
  }
  return phases;
}

/**
 * Builds the sub-filter [Jh, Jw, Co, Ci] of one phase from the channel-swapped
 * filter fT [kh, kw, Co, Ci]: tap (j, l) = fT[ph + sh*(Jh-1-j), pw + sw*(Jw-1-l)].
 */
function phaseFilter(
  backend: BackendWasm,
  fT: TensorInfo,
  rows: AxisPhase,
  cols: AxisPhase,
  sh: number,
  sw: number,
): TensorInfo {
  const [, kw, co, ci] = fT.shape;
  const block = co * ci;
  const g = makeOutput(backend, [rows.taps, cols.taps, co, ci]);
  const src = heapF32(backend, fT);
  const dst = heapF32(backend, g);
  for (let j = 0; j < rows.taps; j++) {
    const a = rows.phase + sh * (rows.taps - 1 - j);
    for (let l = 0; l < cols.taps; l++) {
      const b = cols.phase + sw * (cols.taps - 1 - l);
      const s = (a * kw + b) * block;
      dst.set(src.subarray(s, s + block), (j * cols.taps + l) * block);
    }
  }
  return g;
}

/** Use the col2im GEMM when a filter patch (kh*kw*Ci) has at most this many values. */
let SMALL_PATCH = 64;

/**
 * Overrides the small-patch threshold (for tests/benchmarks; 0 disables the
 * col2im and 1x1 GEMM paths so the phase-conv path is used). Returns the
 * previous value.
 */
export function setInputGradSmallPatch(smallPatch: number): number {
  const prev = SMALL_PATCH;
  SMALL_PATCH = smallPatch;
  return prev;
}

/**
 * Small-patch path (e.g. Ci = 1, where phase convs would have 1 output
 * channel): cols = dy[N*OH*OW, Co] @ W[kh*kw*Ci, Co]^T on XNNPACK, then a
 * heap scatter-add (col2im) of each patch into dx.
 */
function col2imInputGrad(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  geo: ConvGeometry,
): TensorInfo {
  const { n, h, w, ci, oh, ow, co, kh, kw, sh, sw, pt, pl } = geo;
  const dy2 = reshape(backend, dy, [n * oh * ow, co]);
  const f2 = reshape(backend, filter, [kh * kw * ci, co]);
  const cols = matMul2D(backend, dy2, f2, false, true); // [N*OH*OW, kh*kw*Ci]
  dispose(backend, dy2);
  dispose(backend, f2);
  const dx = makeOutput(backend, [n, h, w, ci]);
  const src = heapF32(backend, cols);
  const dst = heapF32(backend, dx);
  dst.fill(0);
  const patch = kh * kw * ci;
  let s = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++, s += patch) {
        for (let a = 0; a < kh; a++) {
          const y = i * sh - pt + a;
          if (y < 0 || y >= h) continue;
          for (let bb = 0; bb < kw; bb++) {
            const xx = j * sw - pl + bb;
            if (xx < 0 || xx >= w) continue;
            const d = ((b * h + y) * w + xx) * ci;
            const o = s + (a * kw + bb) * ci;
            for (let c = 0; c < ci; c++) dst[d + c] += src[o + c];
          }
        }
      }
    }
  }
  dispose(backend, cols);
  return dx;
}

/**
 * Computes the NHWC input gradient / transposed convolution. `dy` is
 * [N,OH,OW,Co], `filter` is [kh,kw,Ci,Co]; returns a new `inputShape`
 * ([N,H,W,Ci]) TensorInfo. Inputs are not disposed.
 */
export function conv2dBackpropInputNHWC(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: [number, number, number, number],
  strides: number | [number, number],
  pad: Conv2DBackpropInputAttrs["pad"],
  dimRoundingMode?: Conv2DBackpropInputAttrs["dimRoundingMode"],
): TensorInfo {
  const geometry = convGeometry(
    "Conv2DBackpropInput",
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    pad,
    dimRoundingMode,
    dy.shape,
  );
  const { n, h, w, ci, oh, ow, co, kh, kw, sh, sw, pt, pl } = geometry;

  if (
    SMALL_PATCH > 0 && oh === 1 && ow === 1 && pt === 0 && pl === 0 &&
    kh === h && kw === w
  ) {
    const dy2 = reshape(backend, dy, [n, co]);
    const f2 = reshape(backend, filter, [kh * kw * ci, co]);
    const out = matMul2D(backend, dy2, f2, false, true);
    dispose(backend, dy2);
    dispose(backend, f2);
    out.shape = [n, h, w, ci];
    return out;
  }

  if (kh * kw * ci <= SMALL_PATCH) {
    return col2imInputGrad(backend, dy, filter, geometry);
  }

  const rowPhases = axisPhases(h, oh, kh, sh, pt);
  const colPhases = axisPhases(w, ow, kw, sw, pl);
  const fT = transpose(backend, filter, [0, 1, 3, 2]); // [kh, kw, Co, Ci]

  interface PhaseResult {
    rows: AxisPhase;
    cols: AxisPhase;
    out: TensorInfo;
  }
  const results: PhaseResult[] = [];
  let needsZeroFill = false;
  for (const rows of rowPhases) {
    for (const cols of colPhases) {
      if (rows.count === 0 || cols.count === 0) continue;
      if (rows.taps === 0 || cols.taps === 0) {
        needsZeroFill = true;
        continue;
      }
      const g = phaseFilter(backend, fT, rows, cols, sh, sw);
      const out = runKernel("Conv2D", backend, { x: dy, filter: g }, {
        strides: [1, 1],
        pad: [
          [0, 0],
          [rows.padBefore, rows.padAfter],
          [cols.padBefore, cols.padAfter],
          [0, 0],
        ],
        dataFormat: "NHWC",
        dilations: [1, 1],
      });
      dispose(backend, g);
      results.push({ rows, cols, out });
    }
  }
  dispose(backend, fT);

  // Stride 1 with an exactly sized, unshifted result: no interleave needed.
  if (
    sh === 1 && sw === 1 && results.length === 1 &&
    results[0].rows.offset === 0 && results[0].cols.offset === 0 &&
    results[0].out.shape[1] === h && results[0].out.shape[2] === w
  ) {
    return results[0].out;
  }

  const dx = makeOutput(backend, [n, h, w, ci]);
  const dst = heapF32(backend, dx);
  if (needsZeroFill) dst.fill(0);
  for (const { rows, cols, out } of results) {
    const src = heapF32(backend, out);
    const [, rh, rw] = out.shape;
    for (let b = 0; b < n; b++) {
      for (let qi = 0; qi < rows.count; qi++) {
        const y = (rows.qMin + qi) * sh + rows.phase - pt;
        const srcRow = ((b * rh + qi + rows.offset) * rw + cols.offset) * ci;
        const dstRow = (b * h + y) * w * ci;
        for (let ri = 0; ri < cols.count; ri++) {
          const xcol = (cols.qMin + ri) * sw + cols.phase - pl;
          const s = srcRow + ri * ci;
          const d = dstRow + xcol * ci;
          if (ci >= 16) {
            dst.set(src.subarray(s, s + ci), d);
          } else {
            for (let c = 0; c < ci; c++) dst[d + c] = src[s + c];
          }
        }
      }
    }
    dispose(backend, out);
  }
  return dx;
}

function conv2DBackpropInput(args: {
  inputs: Conv2DBackpropInputInputs;
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy as TensorInfo;
  const filter = inputs.filter as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (dy.dtype !== "float32" || filter.dtype !== "float32") {
    throw new Error("Conv2DBackpropInput (wasm kernel pack): float32 only.");
  }
  if (dataFormat === "NCHW") {
    const [n, c, hh, ww] = inputShape;
    const dyN = transpose(backend, dy, [0, 2, 3, 1]);
    const dxN = conv2dBackpropInputNHWC(
      backend,
      dyN,
      filter,
      [n, hh, ww, c],
      strides,
      padsToNHWC(pad),
      dimRoundingMode,
    );
    dispose(backend, dyN);
    const out = transpose(backend, dxN, [0, 3, 1, 2]);
    dispose(backend, dxN);
    return out;
  }
  return conv2dBackpropInputNHWC(
    backend,
    dy,
    filter,
    inputShape as [number, number, number, number],
    strides,
    pad,
    dimRoundingMode,
  );
}

/** Pack Conv2DBackpropInput kernel for the 'wasm' backend. */
export const conv2DBackpropInputConfig: KernelConfig = packKernelConfig(
  Conv2DBackpropInput,
  conv2DBackpropInput,
);
