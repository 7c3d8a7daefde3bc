/**
 * Conv2DBackpropFilter (the filter gradient of conv2d, also the filter gradient
 * of conv2dTranspose) for the wasm backend, which has no stock kernel for it.
 *
 * Design: the filter gradient
 *
 *     dW[a, b, ci, co] = sum_{n, i, j} x[n, i*sh - pt + a, j*sw - pl + b, ci]
 *                                      * dy[n, i, j, co]
 *
 * is exactly ONE stride-1 convolution run on the stock XNNPACK Conv2D kernel:
 * the input is x transposed to [Ci, H, W, N] (channels become the batch, the
 * batch becomes the reduction channels), the filter is dy transposed to
 * [OH, OW, N, Co] applied with dilation (sh, sw), the padding is the forward
 * pad on top/left and whatever makes the output exactly kh x kw on
 * bottom/right (rows/columns of x that the forward conv never read are cropped
 * off first). The [Ci, kh, kw, Co] result is transposed to [kh, kw, Ci, Co].
 *
 * Fast path: a 1x1 dy with an unpadded full-size window is a plain GEMM,
 * x[N, H*W*Ci]^T @ dy[N, Co].
 *
 * Supported: any strides, explicit/'same'/'valid' pads, dimRoundingMode,
 * NHWC and NCHW (NCHW is transposed to NHWC and back). Dilations are not an
 * attribute of this kernel (tfjs's conv2d gradient rejects dilation > 1).
 *
 * @module
 */
import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type KernelConfig,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { matMul2D } from "./batch_mat_mul.ts";
import {
  type BackendWasm,
  type ConvGeometry,
  convGeometry,
  crop4d,
  dispose,
  heapF32,
  makeOutput,
  packKernelConfig,
  padsToNHWC,
  reshape,
  runKernel,
  transpose,
} from "./wasm_util.ts";

/** Use the im2col GEMM when a filter patch (kh*kw*Ci) has at most this many values. */
let SMALL_PATCH = 64;
/** Use the shifted-dy GEMM for stride-1 convs with at most this many out channels. */
let SMALL_CO = 4;

/**
 * Overrides the path-selection thresholds (for tests/benchmarks; 0 disables a
 * path). Returns the previous values.
 */
export function setFilterGradThresholds(
  t: { smallPatch: number; smallCo: number },
): { smallPatch: number; smallCo: number } {
  const prev = { smallPatch: SMALL_PATCH, smallCo: SMALL_CO };
  SMALL_PATCH = t.smallPatch;
  SMALL_CO = t.smallCo;
  return prev;
}

/**
 * Small-patch path (e.g. Ci = 1): builds patches P[kh*kw*Ci, N*OH*OW] on the
 * heap and computes dW = P @ dy[N*OH*OW, Co] with one XNNPACK GEMM. The GEMM
 * result is already in [kh, kw, Ci, Co] order.
 */
function im2colFilterGrad(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  geo: ConvGeometry,
): TensorInfo {
  const { n, h, w, ci, oh, ow, co, kh, kw, sh, sw, pt, pl } = geo;
  const k = n * oh * ow;
  const p = makeOutput(backend, [kh * kw * ci, k]);
  const src = heapF32(backend, x);
  const dst = heapF32(backend, p);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      for (let c = 0; c < ci; c++) {
        let o = ((a * kw + b) * ci + c) * k;
        for (let bn = 0; bn < n; bn++) {
          for (let i = 0; i < oh; i++) {
            const y = i * sh - pt + a;
            if (y < 0 || y >= h) {
              dst.fill(0, o, o + ow);
              o += ow;
              continue;
            }
            const rowBase = (bn * h + y) * w;
            for (let j = 0; j < ow; j++) {
              const xx = j * sw - pl + b;
              dst[o++] = xx >= 0 && xx < w ? src[(rowBase + xx) * ci + c] : 0;
            }
          }
        }
      }
    }
  }
  const dy2 = reshape(backend, dy, [k, co]);
  const out = matMul2D(backend, p, dy2, false, false);
  dispose(backend, p);
  dispose(backend, dy2);
  out.shape = [kh, kw, ci, co];
  return out;
}

/**
 * Few-output-channel stride-1 path (e.g. Co = 1): builds shifted copies
 * Q[kh*kw*Co, N*H*W] of dy, Q[(a,b,co),(n,y,x)] = dy[n, y-a+pt, x-b+pl, co],
 * and computes Q @ x[N*H*W, Ci] with one XNNPACK GEMM ([kh,kw,Co,Ci]).
 */
function shiftedDyFilterGrad(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  geo: ConvGeometry,
): TensorInfo {
  const { n, h, w, ci, oh, ow, co, kh, kw, pt, pl } = geo;
  const k = n * h * w;
  const q = makeOutput(backend, [kh * kw * co, k]);
  const src = heapF32(backend, dy);
  const dst = heapF32(backend, q);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      for (let c = 0; c < co; c++) {
        let o = ((a * kw + b) * co + c) * k;
        for (let bn = 0; bn < n; bn++) {
          for (let y = 0; y < h; y++) {
            const i = y - a + pt;
            if (i < 0 || i >= oh) {
              dst.fill(0, o, o + w);
              o += w;
              continue;
            }
            const rowBase = (bn * oh + i) * ow;
            for (let xx = 0; xx < w; xx++) {
              const j = xx - b + pl;
              dst[o++] = j >= 0 && j < ow ? src[(rowBase + j) * co + c] : 0;
            }
          }
        }
      }
    }
  }
  const x2 = reshape(backend, x, [k, ci]);
  const g = matMul2D(backend, q, x2, false, false); // [kh*kw*Co, Ci]
  dispose(backend, q);
  dispose(backend, x2);
  if (co === 1) {
    g.shape = [kh, kw, ci, co];
    return g;
  }
  g.shape = [kh, kw, co, ci];
  const out = transpose(backend, g, [0, 1, 3, 2]);
  dispose(backend, g);
  return out;
}

/**
 * Computes the NHWC filter gradient. `x` is [N,H,W,Ci], `dy` is [N,OH,OW,Co];
 * returns a new [kh,kw,Ci,Co] TensorInfo. Inputs are not disposed.
 */
export function conv2dBackpropFilterNHWC(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: Conv2DBackpropFilterAttrs["pad"],
  dimRoundingMode?: Conv2DBackpropFilterAttrs["dimRoundingMode"],
): TensorInfo {
  const geometry = convGeometry(
    "Conv2DBackpropFilter",
    x.shape as [number, number, number, number],
    filterShape,
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
    const x2 = reshape(backend, x, [n, h * w * ci]);
    const dy2 = reshape(backend, dy, [n, co]);
    const out = matMul2D(backend, x2, dy2, true, false);
    dispose(backend, x2);
    dispose(backend, dy2);
    out.shape = [kh, kw, ci, co];
    return out;
  }

  if (kh * kw * ci <= SMALL_PATCH) {
    return im2colFilterGrad(backend, x, dy, geometry);
  }
  if (co <= SMALL_CO && sh === 1 && sw === 1) {
    return shiftedDyFilterGrad(backend, x, dy, geometry);
  }

  // Bottom/right padding so the dilated "filter" dy yields exactly kh x kw.
  let pb = kh - 1 - pt + (oh - 1) * sh - (h - 1);
  let pr = kw - 1 - pl + (ow - 1) * sw - (w - 1);
  let xc = x;
  if (pb < 0 || pr < 0) {
    // Trailing rows/columns the forward conv never read (floor rounding).
    xc = crop4d(backend, x, 0, 0, h + Math.min(pb, 0), w + Math.min(pr, 0));
    pb = Math.max(pb, 0);
    pr = Math.max(pr, 0);
  }
  const xT = transpose(backend, xc, [3, 1, 2, 0]); // [Ci, H, W, N]
  if (xc !== x) dispose(backend, xc);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
  const g = runKernel("Conv2D", backend, { x: xT, filter: dyT }, {
    strides: [1, 1],
    pad: [[0, 0], [pt, pb], [pl, pr], [0, 0]],
    dataFormat: "NHWC",
    dilations: [sh, sw],
  }); // [Ci, kh, kw, Co]
  dispose(backend, xT);
  dispose(backend, dyT);
  util.assert(
    util.arraysEqual(g.shape, [ci, kh, kw, co]),
    () => `Conv2DBackpropFilter: internal shape mismatch [${g.shape}].`,
  );
  const out = transpose(backend, g, [1, 2, 0, 3]);
  dispose(backend, g);
  return out;
}

function conv2DBackpropFilter(args: {
  inputs: Conv2DBackpropFilterInputs;
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (x.dtype !== "float32" || dy.dtype !== "float32") {
    throw new Error("Conv2DBackpropFilter (wasm kernel pack): float32 only.");
  }
  if (dataFormat === "NCHW") {
    const xN = transpose(backend, x, [0, 2, 3, 1]);
    const dyN = transpose(backend, dy, [0, 2, 3, 1]);
    const out = conv2dBackpropFilterNHWC(
      backend,
      xN,
      dyN,
      filterShape as [number, number, number, number],
      strides,
      padsToNHWC(pad),
      dimRoundingMode,
    );
    dispose(backend, xN);
    dispose(backend, dyN);
    return out;
  }
  return conv2dBackpropFilterNHWC(
    backend,
    x,
    dy,
    filterShape as [number, number, number, number],
    strides,
    pad,
    dimRoundingMode,
  );
}

/** Pack Conv2DBackpropFilter kernel for the 'wasm' backend. */
export const conv2DBackpropFilterConfig: KernelConfig = packKernelConfig(
  Conv2DBackpropFilter,
  conv2DBackpropFilter,
);
