/**
 * BatchMatMul for the wasm backend that keeps transposed and batched products
 * on XNNPACK's fast non-transposed GEMM.
 *
 * Stock wasm runs XNNPACK only when neither operand is transposed and both
 * batch sizes are 1; everything else falls to a scalar triple loop
 * (~1.3 GFLOP/s). This kernel rewrites every product as a non-transposed,
 * batch-1 GEMM:
 *
 * - `op(A) @ op(B)` with a transpose is computed either by materialising the
 *   transposed operand(s) with the stock Transpose kernel ("materialize"), or
 *   as `C = (op(B)^T @ op(A)^T)^T` ("transposedProduct"), whichever moves fewer
 *   elements (transposes plus XNNPACK's weight packing of the right operand).
 * - Batched products where B is shared and A is not transposed become one
 *   tall GEMM; other batched products run one GEMM per batch entry when the
 *   matrices are large enough, and use the stock kernel when they are tiny or
 *   need non-trivial broadcasting.
 * - Non-float32 inputs are delegated to the stock kernel (which throws).
 *
 * @module
 */
import {
  BatchMatMul,
  type BatchMatMulAttrs,
  type BatchMatMulInputs,
  broadcast_util,
  type KernelConfig,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import {
  type BackendWasm,
  dispose,
  heapF32,
  makeOutput,
  packKernelConfig,
  reshape,
  runStockKernel,
  transpose,
} from "./wasm_util.ts";

/** How a transposed 2-D product is mapped onto the non-transposed GEMM. */
export type MatMulStrategy = "auto" | "materialize" | "transposedProduct";

let strategyOverride: MatMulStrategy = "auto";

/**
 * Forces the strategy used for transposed 2-D products ("auto" picks by cost).
 * Meant for benchmarks and tests; results are identical either way.
 */
export function setMatMulStrategy(strategy: MatMulStrategy): void {
  strategyOverride = strategy;
}

/** Below this many multiply-adds per batch entry, batched products use stock. */
const PER_BATCH_MIN_MACS = 32 * 32 * 32;

/** Stock XNNPACK GEMM: a [M,K] @ b [K,N] -> [M,N], no transposes, batch 1. */
function xnnGemm(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
): TensorInfo {
  const [m, k] = a.shape;
  const n = b.shape[1];
  const a3 = reshape(backend, a, [1, m, k]);
  const b3 = reshape(backend, b, [1, k, n]);
  const out = runStockKernel(BatchMatMul, backend, { a: a3, b: b3 }, {
    transposeA: false,
    transposeB: false,
  });
  dispose(backend, a3);
  dispose(backend, b3);
  out.shape = [m, n];
  return out;
}

/** Chooses how to evaluate a transposed 2-D product (element-move cost model). */
export function chooseStrategy(
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
): "materialize" | "transposedProduct" {
  if (strategyOverride !== "auto") return strategyOverride;
  // Elements moved by transposes + elements packed by XNNPACK (right operand).
  const materialize = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) +
    k * n;
  const transposed = (transposeA ? 0 : m * k) + (transposeB ? 0 : k * n) +
    m * n + m * k;
  return transposed < materialize ? "transposedProduct" : "materialize";
}

/**
 * Computes `op(a) @ op(b)` for 2-D float32 TensorInfos on XNNPACK.
 * Returns a new [M, N] TensorInfo; inputs are not disposed.
 */
export function matMul2D(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  if (!transposeA && !transposeB) return xnnGemm(backend, a, b);
  const m = transposeA ? a.shape[1] : a.shape[0];
  const k = transposeA ? a.shape[0] : a.shape[1];
  const n = transposeB ? b.shape[0] : b.shape[1];
  if (chooseStrategy(m, k, n, transposeA, transposeB) === "materialize") {
    const opA = transposeA ? transpose(backend, a, [1, 0]) : a;
    const opB = transposeB ? transpose(backend, b, [1, 0]) : b;
    const out = xnnGemm(backend, opA, opB);
    if (opA !== a) dispose(backend, opA);
    if (opB !== b) dispose(backend, opB);
    return out;
  }
  // C^T = op(B)^T @ op(A)^T, then transpose back.
  const bt = transposeB ? b : transpose(backend, b, [1, 0]); // [N, K]
  const at = transposeA ? a : transpose(backend, a, [1, 0]); // [K, M]
  const ct = xnnGemm(backend, bt, at); // [N, M]
  if (bt !== b) dispose(backend, bt);
  if (at !== a) dispose(backend, at);
  const out = transpose(backend, ct, [1, 0]);
  dispose(backend, ct);
  return out;
}

/** Copies entry `i` of a [batch, r, c] tensor into a new [r, c] tensor. */
function sliceBatch(
  backend: BackendWasm,
  x: TensorInfo,
  i: number,
): TensorInfo {
  const [, r, c] = x.shape;
  const out = makeOutput(backend, [r, c]);
  const src = heapF32(backend, x);
  heapF32(backend, out).set(src.subarray(i * r * c, (i + 1) * r * c));
  return out;
}

/**
 * Batched `op(a) @ op(b)` on 3-D float32 TensorInfos [batchA, ., .] and
 * [batchB, ., .] where batchA === batchB or one of them is 1. Returns
 * [max(batchA, batchB), M, N], or null when the stock kernel should be used.
 */
function matMul3D(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo | null {
  const batchA = a.shape[0];
  const batchB = b.shape[0];
  const m = transposeA ? a.shape[2] : a.shape[1];
  const k = transposeA ? a.shape[1] : a.shape[2];
  const n = transposeB ? b.shape[1] : b.shape[2];
  const batch = Math.max(batchA, batchB);
  if (batch === 1) {
    const a2 = reshape(backend, a, a.shape.slice(1));
    const b2 = reshape(backend, b, b.shape.slice(1));
    const out = matMul2D(backend, a2, b2, transposeA, transposeB);
    dispose(backend, a2);
    dispose(backend, b2);
    out.shape = [1, m, n];
    return out;
  }
  if (batchB === 1 && !transposeA) {
    // Shared right operand: one tall GEMM [batch*M, K] @ op(B).
    const a2 = reshape(backend, a, [batchA * m, k]);
    const b2 = reshape(backend, b, b.shape.slice(1));
    const out = matMul2D(backend, a2, b2, false, transposeB);
    dispose(backend, a2);
    dispose(backend, b2);
    out.shape = [batch, m, n];
    return out;
  }
  if (m * n * k < PER_BATCH_MIN_MACS) return null;
  const out = makeOutput(backend, [batch, m, n]);
  for (let i = 0; i < batch; i++) {
    const ai = sliceBatch(backend, a, batchA === 1 ? 0 : i);
    const bi = sliceBatch(backend, b, batchB === 1 ? 0 : i);
    const ci = matMul2D(backend, ai, bi, transposeA, transposeB);
    heapF32(backend, out).set(heapF32(backend, ci), i * m * n);
    dispose(backend, ai);
    dispose(backend, bi);
    dispose(backend, ci);
  }
  return out;
}

/**
 * Shared implementation of BatchMatMul semantics (any rank >= 2, broadcast
 * batch dims). Returns null when the caller should defer to the stock kernel.
 */
export function batchMatMulImpl(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo | null {
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const innerA = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const innerB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const outerA = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const outerB = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  util.assert(
    innerA === innerB,
    () =>
      `Error in matMul: inner shapes (${innerA}) and (${innerB}) of Tensors ` +
      `with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} ` +
      `and transposeB=${transposeB} must match.`,
  );
  const outerDims = broadcast_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  const batch = util.sizeFromShape(outerDims);
  const simpleBroadcast = batchA === batchB || batchA === 1 || batchB === 1;
  if (!simpleBroadcast || batch !== Math.max(batchA, batchB)) return null;
  const a3 = reshape(backend, a, [batchA, ...a.shape.slice(-2)]);
  const b3 = reshape(backend, b, [batchB, ...b.shape.slice(-2)]);
  const out = matMul3D(backend, a3, b3, transposeA, transposeB);
  dispose(backend, a3);
  dispose(backend, b3);
  if (out != null) out.shape = [...outerDims, outerA, outerB];
  return out;
}

function batchMatMul(args: {
  inputs: BatchMatMulInputs;
  backend: BackendWasm;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const a = inputs.a as TensorInfo;
  const b = inputs.b as TensorInfo;
  const out = batchMatMulImpl(
    backend,
    a,
    b,
    !!attrs.transposeA,
    !!attrs.transposeB,
  );
  if (out != null) return out;
  return runStockKernel(
    BatchMatMul,
    backend,
    { a, b },
    { transposeA: attrs.transposeA, transposeB: attrs.transposeB },
  );
}

/** Pack BatchMatMul kernel for the 'wasm' backend. */
export const batchMatMulConfig: KernelConfig = packKernelConfig(BatchMatMul, batchMatMul);
