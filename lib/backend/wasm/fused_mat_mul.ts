/**
 * _FusedMatMul (matmul + bias + activation) for the wasm backend.
 *
 * - Non-transposed, batch-1 products with a rank-1 (or no) bias and an
 *   activation XNNPACK/stock can fuse (linear, relu, relu6, prelu) go straight
 *   to the stock kernel, which fuses bias and clamp into the GEMM.
 * - Everything else (transposeA/transposeB, batch > 1, other activations,
 *   broadcast biases) computes the product with the pack's BatchMatMul
 *   implementation (XNNPACK, see batch_mat_mul.ts) and then applies bias (stock
 *   Add, broadcasting) and the activation (stock Relu, Relu6, Prelu, LeakyRelu,
 *   Sigmoid, Elu kernels). Unknown activations throw.
 *
 * @module
 */
import {
  _FusedMatMul,
  type _FusedMatMulAttrs,
  type _FusedMatMulInputs,
  BatchMatMul,
  type KernelConfig,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { batchMatMulImpl } from "./batch_mat_mul.ts";
import {
  type BackendWasm,
  dispose,
  packKernelConfig,
  runKernel,
  runStockKernel,
} from "./wasm_util.ts";

const STOCK_FUSABLE = new Set(["linear", "relu", "relu6", "prelu"]);

/** Applies `activation` to `x` with stock wasm kernels; disposes `x` if replaced. */
export function applyActivation(
  backend: BackendWasm,
  x: TensorInfo,
  activation: string,
  preluActivationWeights: TensorInfo | undefined,
  leakyreluAlpha: number | undefined,
): TensorInfo {
  let out: TensorInfo;
  switch (activation) {
    case "linear":
      return x;
    case "relu":
      out = runKernel("Relu", backend, { x });
      break;
    case "relu6":
      out = runKernel("Relu6", backend, { x });
      break;
    case "prelu":
      if (preluActivationWeights == null) {
        throw new Error("_FusedMatMul: prelu needs preluActivationWeights.");
      }
      out = runKernel("Prelu", backend, { x, alpha: preluActivationWeights });
      break;
    case "leakyrelu":
      out = runKernel("LeakyRelu", backend, { x }, {
        alpha: leakyreluAlpha ?? 0.2,
      });
      break;
    case "sigmoid":
      out = runKernel("Sigmoid", backend, { x });
      break;
    case "elu":
      out = runKernel("Elu", backend, { x });
      break;
    default:
      throw new Error(
        `_FusedMatMul (wasm kernel pack): activation '${activation}' is not ` +
          `supported.`,
      );
  }
  dispose(backend, x);
  return out;
}

function fusedMatMul(args: {
  inputs: _FusedMatMulInputs;
  backend: BackendWasm;
  attrs: _FusedMatMulAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const a = inputs.a as TensorInfo;
  const b = inputs.b as TensorInfo;
  const bias = inputs.bias as TensorInfo | undefined;
  const prelu = inputs.preluActivationWeights as TensorInfo | undefined;
  const transposeA = !!attrs.transposeA;
  const transposeB = !!attrs.transposeB;
  const activation = (attrs.activation ?? "linear") as string;

  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  const stockFast = !transposeA && !transposeB && batchA === 1 &&
    batchB === 1 && STOCK_FUSABLE.has(activation) &&
    (bias == null || bias.shape.length === 1) && a.dtype === "float32";
  if (stockFast) {
    const stockInputs: Record<string, TensorInfo> = { a, b };
    if (bias != null) stockInputs.bias = bias;
    if (prelu != null) stockInputs.preluActivationWeights = prelu;
    return runStockKernel(_FusedMatMul, backend, stockInputs, {
      transposeA,
      transposeB,
      activation,
      leakyreluAlpha: attrs.leakyreluAlpha ?? 0,
    });
  }

  let out = batchMatMulImpl(backend, a, b, transposeA, transposeB) ??
    runStockKernel(BatchMatMul, backend, { a, b }, { transposeA, transposeB });
  if (bias != null) {
    const withBias = runKernel("Add", backend, { a: out, b: bias });
    dispose(backend, out);
    out = withBias;
  }
  return applyActivation(
    backend,
    out,
    activation,
    prelu,
    attrs.leakyreluAlpha,
  );
}

/** Pack _FusedMatMul kernel for the 'wasm' backend. */
export const fusedMatMulConfig: KernelConfig = packKernelConfig(_FusedMatMul, fusedMatMul);
