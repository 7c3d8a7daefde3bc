/**
 * Shared helpers for the wasm training-kernel pack: calling other wasm
 * kernels from inside a kernel, releasing intermediates, reading/writing the
 * wasm heap, and remembering the stock kernels that the pack overrides.
 *
 * @module
 */
import {
  backend_util,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

export type { BackendWasm };

/**
 * Kernel functions of this project registered on 'wasm' (the pack's, and the native engine's
 * that override them), told apart from stock ones: they are never captured as stock.
 */
export const packKernelFuncs: WeakSet<KernelFunc> = new WeakSet();

const stockKernels = new Map<string, KernelFunc>();

/**
 * The 'wasm' KernelConfig of one of this pack's kernels, remembered as a pack kernel (so the
 * stock kernel it overrides can be told apart and kept).
 */
export function packKernelConfig(kernelName: string, kernelFunc: unknown): KernelConfig {
  const func = kernelFunc as KernelFunc;
  packKernelFuncs.add(func);
  return { kernelName, backendName: "wasm", kernelFunc: func };
}

/**
 * Remembers the kernel currently registered on 'wasm' for `kernelName` as the
 * stock implementation, unless it is one of this pack's own kernels. Called by
 * `registerWasmTrainingKernels` before it overrides a kernel.
 */
export function captureStockKernel(kernelName: string): void {
  const cfg = getKernel(kernelName, "wasm");
  if (cfg != null && !packKernelFuncs.has(cfg.kernelFunc)) {
    stockKernels.set(kernelName, cfg.kernelFunc);
  }
}

/**
 * Returns the stock wasm kernel function for `kernelName`: the one captured
 * before the pack overrode it, or the currently registered one if the pack
 * never overrode it. Throws if only a pack kernel is available.
 */
export function stockKernel(kernelName: string): KernelFunc {
  const captured = stockKernels.get(kernelName);
  if (captured != null) return captured;
  const cfg = getKernel(kernelName, "wasm");
  if (cfg == null) {
    throw new Error(`wasm kernel '${kernelName}' is not registered.`);
  }
  if (packKernelFuncs.has(cfg.kernelFunc)) {
    throw new Error(
      `stock wasm kernel '${kernelName}' was not captured before the pack ` +
        `overrode it; use registerWasmTrainingKernels().`,
    );
  }
  return cfg.kernelFunc;
}

/** Runs a wasm kernel (stock unless overridden) and returns its single output. */
export function runKernel(
  kernelName: string,
  backend: BackendWasm,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const cfg = getKernel(kernelName, "wasm");
  if (cfg == null) {
    throw new Error(`wasm kernel '${kernelName}' is not registered.`);
  }
  return cfg.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

/** Runs the stock (pre-pack) wasm kernel and returns its single output. */
export function runStockKernel(
  kernelName: string,
  backend: BackendWasm,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  return stockKernel(kernelName)({ inputs, backend, attrs }) as TensorInfo;
}

/** Releases an intermediate TensorInfo produced inside a kernel. */
export function dispose(backend: BackendWasm, info: TensorInfo): void {
  backend.disposeData(info.dataId);
}

/** Zero-copy reshape (shares data, bumps the refcount; dispose it after). */
export function reshape(
  backend: BackendWasm,
  x: TensorInfo,
  shape: number[],
): TensorInfo {
  util.assert(
    util.sizeFromShape(shape) === util.sizeFromShape(x.shape),
    () => `reshape: cannot reshape [${x.shape}] to [${shape}]`,
  );
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: shape.slice(), dtype: x.dtype };
}

/** Stock wasm Transpose (fast for rank <= 4). */
export function transpose(
  backend: BackendWasm,
  x: TensorInfo,
  perm: number[],
): TensorInfo {
  return runKernel("Transpose", backend, { x }, { perm });
}

/**
 * A fresh Float32Array view of a tensor's data on the wasm heap. Views detach
 * when the heap grows, so fetch views only after all allocations are done.
 */
export function heapF32(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Allocates an uninitialised float32 output on the wasm heap. */
export function makeOutput(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, "float32");
}

/** Allocates a float32 tensor on the wasm heap filled with zeros. */
export function zeros(backend: BackendWasm, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, "float32");
  heapF32(backend, out).fill(0);
  return out;
}

/**
 * Crops a rank-4 NHWC tensor to rows [top, top+h) and columns [left, left+w)
 * with a heap copy. Returns a new tensor; the input is untouched.
 */
export function crop4d(
  backend: BackendWasm,
  x: TensorInfo,
  top: number,
  left: number,
  h: number,
  w: number,
): TensorInfo {
  const [n, xh, xw, c] = x.shape;
  const out = makeOutput(backend, [n, h, w, c]);
  const src = heapF32(backend, x);
  const dst = heapF32(backend, out);
  const rowLen = w * c;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      const s = ((b * xh + top + i) * xw + left) * c;
      dst.set(src.subarray(s, s + rowLen), o);
      o += rowLen;
    }
  }
  return out;
}

/** Converts explicit NCHW pads [[0,0],[0,0],[t,b],[l,r]] to NHWC order. */
export function padsToNHWC<T>(pad: T): T {
  if (!Array.isArray(pad)) return pad;
  return [pad[0], pad[2], pad[3], pad[1]] as T;
}

/** The forward conv2d geometry of a backprop kernel, NHWC, with its top/left padding. */
export interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  oh: number;
  ow: number;
  co: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  /** Top padding. */
  pt: number;
  /** Left padding. */
  pl: number;
  /** tfjs's full description. */
  info: backend_util.Conv2DInfo;
}

/** The NHWC geometry of tfjs's description of a conv2d. */
export function geometryOf(info: backend_util.Conv2DInfo): ConvGeometry {
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci: info.inChannels,
    oh: info.outHeight,
    ow: info.outWidth,
    co: info.outChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    pt: info.padInfo.top,
    pl: info.padInfo.left,
    info,
  };
}

/**
 * Describes the forward conv2d (x `xShape`, filter `filterShape`) whose gradient `kernel`
 * computes, and checks that `dyShape` is that conv's output shape.
 */
export function convGeometry(
  kernel: string,
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad:
    | backend_util.Conv2DInfo["padInfo"]["type"]
    | number
    | "valid"
    | "same"
    | backend_util.ExplicitPadding,
  dimRoundingMode: "floor" | "round" | "ceil" | undefined,
  dyShape: number[],
): ConvGeometry {
  const info = backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    1,
    pad as "same",
    dimRoundingMode,
    false,
    "channelsLast",
  );
  const g = geometryOf(info);
  util.assert(
    util.arraysEqual(dyShape, [g.n, g.oh, g.ow, g.co]),
    () =>
      `${kernel}: dy shape [${dyShape}] does not match the forward output shape ` +
      `[${[g.n, g.oh, g.ow, g.co]}].`,
  );
  return g;
}
