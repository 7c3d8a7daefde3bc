import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend, readTidy } from "../../lib/mod.ts";

await initBackend({ backend: "wasm" });

Deno.test("readTidy returns the values of the tensor its function builds and frees every tensor", () => {
  const before = tf.memory().numTensors;
  const values = readTidy(() => tf.add(tf.tensor1d([1, 2, 3]), tf.scalar(1)));
  assert.deepEqual(Array.from(values), [2, 3, 4]);
  assert.ok(values instanceof Float32Array);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("readTidy frees the intermediates when its function throws", () => {
  const before = tf.memory().numTensors;
  assert.throws(() =>
    readTidy(() => {
      tf.ones([4]);
      throw new Error("boom");
    }), /boom/);
  assert.equal(tf.memory().numTensors, before);
});
