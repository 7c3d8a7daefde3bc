/**
 * Test fixture run as a subprocess by wasm_threads_test.ts: starts the threaded wasm
 * backend, runs a conv2d and a matMul, checks that no global was changed, prints one
 * JSON line and simply ends (no shutdown call). The parent checks that the process
 * exits by itself.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import process from "node:process";
import { initWasmThreaded } from "../../../../lib/backend/wasm/threads.ts";

const threads = Number(Deno.args[0] ?? 2);
const before = {
  Worker: globalThis.Worker,
  uncaught: process.listeners("uncaughtException").length,
  unhandled: process.listeners("unhandledRejection").length,
  keys: Object.getOwnPropertyNames(globalThis).length,
};
const report = await initWasmThreaded({ threads });
const y = tf.conv2d(
  tf.ones([2, 8, 8, 4]) as tf.Tensor4D,
  tf.ones([3, 3, 4, 8]) as tf.Tensor4D,
  1,
  "same",
);
const m = tf.matMul(tf.ones([16, 32]), tf.ones([32, 8]));
const sum = (await y.sum().data())[0] + (await m.sum().data())[0];
const globalsUnchanged = globalThis.Worker === before.Worker &&
  process.listeners("uncaughtException").length === before.uncaught &&
  process.listeners("unhandledRejection").length === before.unhandled &&
  Object.getOwnPropertyNames(globalThis).length === before.keys;
console.log(
  JSON.stringify({ threads: report.threads, sum, globalsUnchanged, endedAt: Date.now() }),
);
