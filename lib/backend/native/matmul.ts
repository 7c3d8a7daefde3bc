/**
 * Matrix products on oneDNN's GEMM, at the engine's precision: `dnnl_sgemm` at fp32;
 * `dnnl_gemm_bf16bf16f32` at bf16, after both operands are converted to bfloat16 by a cached
 * reorder into scratch buffers (float32 accumulation and output).
 *
 * @module
 */
import type { Dnnl, Precision, Ptr } from "./dnnl.ts";

/** One row-major product `C[m, n] = op(A) op(B) + beta C` (see {@link gemm}). */
export interface GemmShape {
  /** Whether A is stored [k, m] (transposed) rather than [m, k]. */
  transA: boolean;
  /** Whether B is stored [n, k] (transposed) rather than [k, n]. */
  transB: boolean;
  m: number;
  n: number;
  k: number;
}

/**
 * Row-major `C[m, n] = op(A) op(B) + beta * C` on float32 buffers, at `precision` (default:
 * the engine's).
 *
 * @example
 * ```ts
 * // c = a @ b for a [64, 100] and b [100, 256], all Float32Arrays
 * gemm(dnnl, { transA: false, transB: false, m: 64, n: 256, k: 100 }, ptrOf(a), ptrOf(b), ptrOf(c));
 * ```
 */
export function gemm(
  dnnl: Dnnl,
  s: GemmShape,
  a: Ptr,
  b: Ptr,
  c: Ptr,
  beta = 0,
  precision: Precision = dnnl.precision,
): void {
  const { transA, transB, m, n, k } = s;
  const T = 84, N = 78; // 'T', 'N'
  const args = [
    transA ? T : N,
    transB ? T : N,
    BigInt(m),
    BigInt(n),
    BigInt(k),
    1,
  ] as const;
  const lda = BigInt(transA ? m : k), ldb = BigInt(transB ? k : n), ldc = BigInt(n);
  if (precision === "bf16") {
    const toA = dnnl.toBf16(m * k), toB = dnnl.toBf16(k * n);
    const a16 = dnnl.scratch("gemm-a", toA.toBytes), b16 = dnnl.scratch("gemm-b", toB.toBytes);
    dnnl.runReorder(toA, a, a16);
    dnnl.runReorder(toB, b, b16);
    dnnl.wait();
    dnnl.check(
      dnnl.symbols.dnnl_gemm_bf16bf16f32(...args, a16, lda, b16, ldb, beta, c, ldc),
      "gemm_bf16bf16f32",
    );
    return;
  }
  dnnl.check(dnnl.symbols.dnnl_sgemm(...args, a, lda, b, ldb, beta, c, ldc), "sgemm");
}
