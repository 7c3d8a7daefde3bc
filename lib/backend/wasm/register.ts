/**
 * Registers the wasm training-kernel pack on the 'wasm' backend.
 *
 * @module
 */
import {
  getKernel,
  type KernelConfig,
  registerKernel,
  unregisterKernel,
} from "@tensorflow/tfjs-core";
import { batchMatMulConfig } from "./batch_mat_mul.ts";
import { conv2DBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2DBackpropInputConfig } from "./conv2d_backprop_input.ts";
import { fusedMatMulConfig } from "./fused_mat_mul.ts";
import { identityConfig } from "./identity.ts";
import { meanConfig, sumConfig } from "./reduce.ts";
import { captureStockKernel } from "./wasm_util.ts";

/** All kernels of the pack, in registration order. */
export const wasmTrainingKernelConfigs: readonly KernelConfig[] = [
  batchMatMulConfig,
  fusedMatMulConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  identityConfig,
  sumConfig,
  meanConfig,
];

/**
 * Overrides (unregister + register) the wasm kernels BatchMatMul,
 * _FusedMatMul, Conv2DBackpropFilter, Conv2DBackpropInput, Identity (zero-copy), Sum and Mean
 * (no transpose) with the pack's implementations. Call it after `tf.setBackend('wasm')` / `tf.ready()` (the
 * stock kernels' setup must already have run, since the pack calls them).
 * Idempotent: calling it again re-registers the same kernels; the stock
 * kernels captured on the first call are kept.
 */
export function registerWasmTrainingKernels(): void {
  for (const config of wasmTrainingKernelConfigs) {
    captureStockKernel(config.kernelName);
    if (getKernel(config.kernelName, "wasm") != null) {
      unregisterKernel(config.kernelName, "wasm");
    }
    registerKernel(config);
  }
}
