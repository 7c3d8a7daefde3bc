import * as assertNs from "node:assert/strict";
import {
  registerWasmTrainingKernels,
  wasmTrainingKernelConfigs,
} from "../../../lib/backend/wasm/register.ts";
import { stockKernel } from "../../../lib/backend/wasm/wasm_util.ts";
import { initWasm, tf } from "./test_util.ts";

Deno.test("registerWasmTrainingKernels overrides the stock wasm kernels", async () => {
  await initWasm();
  for (const cfg of wasmTrainingKernelConfigs) {
    assertNs.equal(
      tf.getKernel(cfg.kernelName, "wasm")?.kernelFunc,
      cfg.kernelFunc,
    );
  }
});

Deno.test("registerWasmTrainingKernels is idempotent and keeps the captured stock kernels", async () => {
  await initWasm();
  const stockBefore = stockKernel("BatchMatMul");
  registerWasmTrainingKernels();
  registerWasmTrainingKernels();
  assertNs.equal(stockKernel("BatchMatMul"), stockBefore);
  for (const cfg of wasmTrainingKernelConfigs) {
    assertNs.equal(
      tf.getKernel(cfg.kernelName, "wasm")?.kernelFunc,
      cfg.kernelFunc,
    );
    assertNs.notEqual(cfg.kernelFunc, stockBefore);
  }
  const y = tf.matMul(tf.ones([2, 3]), tf.ones([4, 3]), false, true);
  assertNs.deepEqual(Array.from(y.dataSync()), new Array(8).fill(3));
  y.dispose();
});

Deno.test("Conv2DBackpropFilter is available on wasm after registration (stock has none)", async () => {
  await initWasm();
  assertNs.ok(tf.getKernel("Conv2DBackpropFilter", "wasm") != null);
  assertNs.throws(
    () => stockKernel("Conv2DBackpropFilter"),
    /not captured|not registered/,
  );
});
