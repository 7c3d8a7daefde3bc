/**
 * The native engine's tfjs kernels, registered on the `wasm` backend over the wasm pack: the
 * convolutions (forward, and both gradients; the backward-data pass is also the transposed
 * convolution's forward) on oneDNN's primitives, and every matrix product (any transpose,
 * batched, fused with bias and activation) on oneDNN's GEMM, and tanh on its eltwise
 * primitive. They read and write the tensors' memory on the wasm heap in place: outputs are
 * allocated first (allocation may grow the heap and detach views), then pointers are taken from
 * fresh views.
 *
 * Cases outside what is wired here (NCHW, dilations, broadcast batches other than 1 against
 * n, non-float32) go to the kernel the native engine replaced (the wasm pack's), so every
 * input still gets an answer.
 *
 * @module
 */
import {
  _FusedMatMul,
  type _FusedMatMulAttrs,
  backend_util,
  BatchMatMul,
  type BatchMatMulAttrs,
  Conv2D,
  type Conv2DAttrs,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  Tanh,
  type TensorInfo,
  unregisterKernel,
  util,
} from "@tensorflow/tfjs-core";
import { applyActivation } from "../wasm/fused_mat_mul.ts";
import {
  type BackendWasm,
  dispose,
  geometryOf,
  heapF32,
  makeOutput,
  packKernelFuncs,
  runKernel,
} from "../wasm/wasm_util.ts";
import { tanhForward } from "./activation.ts";
import { convolve, type ConvPass, type ConvShape, farPadding } from "./convolution.ts";
import { type Dnnl, offsetPtr, ptrOf } from "./dnnl.ts";
import { gemm } from "./matmul.ts";

/** The engine the kernels call; set by {@link registerNativeKernels}. */
let engine: Dnnl | null = null;
/** The kernels the native ones replaced, per kernel name (their fallback). */
const replaced = new Map<string, KernelFunc>();
/** Native kernel functions (to tell them from the ones they replace). */
const nativeFuncs = new WeakSet<KernelFunc>();

/** Kernel calls answered natively and by the fallback, per kernel name (for tests and bench). */
export const nativeKernelCalls: Map<string, { native: number; fallback: number }> = new Map();

function count(kernel: string, native: boolean): void {
  const c = nativeKernelCalls.get(kernel) ?? { native: 0, fallback: 0 };
  if (native) c.native++;
  else c.fallback++;
  nativeKernelCalls.set(kernel, c);
}

function fallback(kernel: string, args: Parameters<KernelFunc>[0]): TensorInfo | TensorInfo[] {
  const f = replaced.get(kernel);
  if (!f) throw new Error(`native ${kernel}: no kernel to fall back to`);
  count(kernel, false);
  return f(args);
}

function ptr(backend: BackendWasm, t: TensorInfo): Deno.PointerValue {
  return ptrOf(heapF32(backend, t));
}

function activeEngine(): Dnnl {
  if (!engine) throw new Error("the native engine is not initialised (call initBackend)");
  return engine;
}

/**
 * The oneDNN geometry of a float32 NHWC conv2d of x `xShape` with a filter `filterShape`, or
 * null when the native kernels do not take it (NCHW, another dtype, dilation, negative padding
 * on any side, or a given `dy` that is not the conv's output): the caller falls back then.
 */
function nativeConvShape(
  tensors: TensorInfo[],
  dataFormat: string,
  xShape: number[],
  filterShape: number[],
  attrs: { strides: number | [number, number]; pad: unknown; dimRoundingMode?: unknown },
  dilations: number | [number, number] = 1,
  dy?: TensorInfo,
): ConvShape | null {
  if (dataFormat === "NCHW" || tensors.some((t) => t.dtype !== "float32")) return null;
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    dilations,
    attrs.pad as "same",
    attrs.dimRoundingMode as "floor" | undefined,
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  if (dy && !util.arraysEqual(dy.shape, info.outShape)) return null;
  const s: ConvShape = geometryOf(info);
  return s.pt < 0 || s.pl < 0 || farPadding(s).some((p) => p < 0) ? null : s;
}

function runConv(
  backend: BackendWasm,
  shape: ConvShape,
  pass: ConvPass,
  x: TensorInfo | null,
  w: TensorInfo | null,
  y: TensorInfo | null,
  outShape: number[],
): TensorInfo {
  const out = makeOutput(backend, outShape);
  const [px, pw, py] = [x ?? out, w ?? out, y ?? out].map((t) => ptr(backend, t));
  // a filter is immutable while its dataId lives: its converted copy serves every call until
  // the optimiser replaces it
  convolve(activeEngine(), shape, pass, { x: px, w: pw, y: py, filterId: w?.dataId });
  return out;
}

function conv2D(
  args: { inputs: { x: TensorInfo; filter: TensorInfo }; backend: BackendWasm; attrs: Conv2DAttrs },
) {
  const { inputs: { x, filter }, backend, attrs } = args;
  const shape = nativeConvShape(
    [x, filter],
    attrs.dataFormat,
    x.shape,
    filter.shape,
    attrs,
    attrs.dilations,
  );
  if (!shape) return fallback(Conv2D, args as never);
  count(Conv2D, true);
  return runConv(backend, shape, "forward", x, filter, null, [
    shape.n,
    shape.oh,
    shape.ow,
    shape.co,
  ]);
}

function conv2DBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropInputAttrs;
}) {
  const { inputs: { dy, filter }, backend, attrs } = args;
  const shape = nativeConvShape(
    [dy, filter],
    attrs.dataFormat,
    attrs.inputShape,
    filter.shape,
    attrs,
    1,
    dy,
  );
  if (!shape) return fallback(Conv2DBackpropInput, args as never);
  count(Conv2DBackpropInput, true);
  return runConv(backend, shape, "backwardData", null, filter, dy, [...attrs.inputShape]);
}

function conv2DBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}) {
  const { inputs: { x, dy }, backend, attrs } = args;
  const shape = nativeConvShape(
    [x, dy],
    attrs.dataFormat,
    x.shape,
    attrs.filterShape,
    attrs,
    1,
    dy,
  );
  if (!shape) return fallback(Conv2DBackpropFilter, args as never);
  count(Conv2DBackpropFilter, true);
  return runConv(backend, shape, "backwardWeights", x, null, dy, [...attrs.filterShape]);
}

/**
 * `op(a) @ op(b)` for float32 tensors of rank >= 2 whose batch dimensions are equal or
 * one of them is all ones, with oneDNN's GEMM; null when the batch dims broadcast otherwise.
 */
export function nativeBatchMatMul(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo | null {
  const ra = a.shape.length, rb = b.shape.length;
  const batchDimsA = a.shape.slice(0, -2), batchDimsB = b.shape.slice(0, -2);
  const batchA = util.sizeFromShape(batchDimsA), batchB = util.sizeFromShape(batchDimsB);
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kB = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  util.assert(
    k === kB,
    () =>
      `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${a.shape} and ` +
      `${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  let batchShape: number[];
  if (batchA === batchB && util.arraysEqual(batchDimsA, batchDimsB)) batchShape = batchDimsA;
  else if (batchB === 1) batchShape = batchDimsA;
  else if (batchA === 1) batchShape = batchDimsB;
  else return null;
  const batch = Math.max(batchA, batchB);
  const out = makeOutput(backend, [...batchShape, m, n]);
  const dnnl = activeEngine();
  const [pa, pb, pc] = [a, b, out].map((t) => ptr(backend, t));
  const at = (p: Deno.PointerValue, offsetFloats: number) => offsetPtr(p, offsetFloats * 4);
  const trans = { transA: transposeA, transB: transposeB };
  if (batch === 1 || (batchB === 1 && !transposeA)) {
    // one GEMM: a shared B under a stack of A is one tall product
    const rows = batchB === 1 && !transposeA ? batch * m : m;
    gemm(dnnl, { ...trans, m: rows, n, k }, pa, pb, pc);
    return out;
  }
  for (let i = 0; i < batch; i++) {
    gemm(
      dnnl,
      { ...trans, m, n, k },
      at(pa, batchA === 1 ? 0 : i * m * k),
      at(pb, batchB === 1 ? 0 : i * k * n),
      at(pc, i * m * n),
    );
  }
  return out;
}

function batchMatMul(
  args: { inputs: { a: TensorInfo; b: TensorInfo }; backend: BackendWasm; attrs: BatchMatMulAttrs },
) {
  const { inputs: { a, b }, backend, attrs: { transposeA, transposeB } } = args;
  if (a.dtype !== "float32" || b.dtype !== "float32") return fallback(BatchMatMul, args as never);
  const out = nativeBatchMatMul(backend, a, b, transposeA, transposeB);
  if (!out) return fallback(BatchMatMul, args as never);
  count(BatchMatMul, true);
  return out;
}

function fusedMatMul(
  args: {
    inputs: {
      a: TensorInfo;
      b: TensorInfo;
      bias?: TensorInfo;
      preluActivationWeights?: TensorInfo;
    };
    backend: BackendWasm;
    attrs: _FusedMatMulAttrs;
  },
) {
  const { inputs: { a, b, bias, preluActivationWeights }, backend, attrs } = args;
  const { transposeA, transposeB, activation, leakyreluAlpha } = attrs;
  if (a.dtype !== "float32" || b.dtype !== "float32") {
    return fallback(_FusedMatMul, args as never);
  }
  const product = nativeBatchMatMul(backend, a, b, transposeA, transposeB);
  if (!product) return fallback(_FusedMatMul, args as never);
  count(_FusedMatMul, true);
  let out = product;
  if (bias) {
    const biased = runKernel("Add", backend, { a: out, b: bias });
    dispose(backend, out);
    out = biased;
  }
  return applyActivation(backend, out, activation, preluActivationWeights, leakyreluAlpha);
}

/** tanh on oneDNN's eltwise primitive (the wasm kernel is a scalar loop: 1.7 ms for [64, 784]). */
function tanh(args: { inputs: { x: TensorInfo }; backend: BackendWasm }) {
  const { inputs: { x }, backend } = args;
  if (x.dtype !== "float32" || util.sizeFromShape(x.shape) === 0) {
    return fallback(Tanh, args as never);
  }
  count(Tanh, true);
  const out = makeOutput(backend, x.shape);
  const dnnl = activeEngine();
  tanhForward(dnnl, util.sizeFromShape(x.shape), ptr(backend, x), ptr(backend, out));
  dnnl.wait();
  return out;
}

const CONFIGS: [string, unknown][] = [
  [Conv2D, conv2D],
  [Conv2DBackpropInput, conv2DBackpropInput],
  [Conv2DBackpropFilter, conv2DBackpropFilter],
  [BatchMatMul, batchMatMul],
  [_FusedMatMul, fusedMatMul],
  [Tanh, tanh],
];

/** The kernels the native engine registers, by name. */
export const NATIVE_KERNELS: readonly string[] = CONFIGS.map(([name]) => name);

/**
 * Registers the native kernels on `wasm` over whatever is registered there (the wasm pack,
 * which they fall back to), calling `dnnl`. Idempotent.
 */
export function registerNativeKernels(dnnl: Dnnl): void {
  engine = dnnl;
  for (const [kernelName, func] of CONFIGS) {
    const kernelFunc = func as KernelFunc;
    nativeFuncs.add(kernelFunc);
    packKernelFuncs.add(kernelFunc); // never mistaken for a stock kernel by the pack
    const current = getKernel(kernelName, "wasm");
    if (current && !nativeFuncs.has(current.kernelFunc)) {
      replaced.set(kernelName, current.kernelFunc);
    }
    if (current) unregisterKernel(kernelName, "wasm");
    registerKernel({ kernelName, backendName: "wasm", kernelFunc } as KernelConfig);
  }
}

/**
 * The kernel function the native engine replaced for `kernelName` (the wasm pack's), or null
 * when the native engine has not replaced it (for the kernel benchmark's columns).
 */
export function replacedKernel(kernelName: string): KernelFunc | null {
  const current = getKernel(kernelName, "wasm");
  return current && nativeFuncs.has(current.kernelFunc) ? replaced.get(kernelName) ?? null : null;
}
