/**
 * The wasm pack's kernel suites, run again on the native engine: every conv and matmul case
 * (the models' shapes and odd ones) and the fused batch norm, against the cpu backend, with
 * leak checks.
 *
 * @module
 */
import { nativeUnavailableReason } from "./native_util.ts";
import { useKernelEngine } from "../wasm/test_util.ts";

const reason = nativeUnavailableReason();
if (reason) {
  Deno.test({ name: `the native kernel suite is skipped: ${reason}`, ignore: true, fn() {} });
} else {
  useKernelEngine("native");
  await import("../wasm/conv2d_backprop_filter_test.ts");
  await import("../wasm/conv2d_backprop_input_test.ts");
  await import("../wasm/batch_mat_mul_test.ts");
  await import("../wasm/fused_mat_mul_test.ts");
  await import("../wasm/grad_test.ts");
  await import("../../models/fused_batch_norm_wasm_test.ts");
}
