import assert from "node:assert/strict";
import { rejection } from "../_support/errors.ts";
import * as tf from "@tensorflow/tfjs";
import { describeBackend, initBackend, wasmDistDir } from "../../lib/mod.ts";
import { nativeUnavailableReason } from "./native/native_util.ts";

Deno.test("auto picks native (wasm without oneDNN) when tfjs-node is absent and says why tensorflow was skipped", async () => {
  const report = await initBackend({ backend: "auto" });
  const expected = nativeUnavailableReason() ? "wasm" : "native";
  assert.deepEqual(report.name, expected);
  assert.deepEqual(tf.getBackend(), "wasm");
  assert.deepEqual(report.skipped[0].name, "tensorflow");
  assert.match(report.skipped[0].reason, /tfjs-node is not installed/);
  assert.match(describeBackend(report), new RegExp(`^backend ${expected} \\((SIMD|oneDNN)`));
});

Deno.test("the wasm files are found inside the installed npm package", () => {
  assert.match(wasmDistDir(), /tfjs-backend-wasm.*dist\/$/);
});

Deno.test("cpu can be chosen explicitly", async () => {
  const report = await initBackend({ backend: "cpu" });
  assert.deepEqual(report.name, "cpu");
  assert.deepEqual(tf.getBackend(), "cpu");
});

Deno.test("asking for an unavailable backend is a clear error", async () => {
  const err = await rejection(() => initBackend({ backend: "tensorflow" }));
  assert.match(
    (err as Error).message,
    /backend 'tensorflow' is unavailable: @tensorflow\/tfjs-node is not installed/,
  );
});

Deno.test("an unknown backend name is rejected with the valid choices", async () => {
  // deno-lint-ignore no-explicit-any
  const err = await rejection(() => initBackend({ backend: "gpu" as any }));
  assert.match(
    (err as Error).message,
    /unknown backend 'gpu': expected one of auto, tensorflow, webgpu, native, wasm, cpu/,
  );
});

Deno.test("wasm computes the same matmul as cpu", async () => {
  await initBackend({ backend: "wasm" });
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const out = tf.matMul(a, a).arraySync();
  assert.deepEqual(out, [[7, 10], [15, 22]]);
  a.dispose();
  assert.ok(true);
});
