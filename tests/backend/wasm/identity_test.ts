import * as assertNs from "node:assert/strict";
import { initWasm, tf } from "./test_util.ts";

Deno.test("a clone on wasm shares its source's memory, and each frees only its own handle", async () => {
  await initWasm();
  const before = tf.memory().numDataBuffers;
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.clone(x);
  assertNs.equal(tf.memory().numDataBuffers - before, 1, "one buffer for both");
  x.dispose();
  assertNs.deepEqual(Array.from(await y.data()), [1, 2, 3]);
  y.dispose();
  assertNs.equal(tf.memory().numDataBuffers, before);
});

Deno.test("gradients through ops whose inputs tfjs saves (by clone) are unchanged", async () => {
  await initWasm();
  const x = tf.tensor2d([[-2, -0.5], [0.5, 3]]);
  const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(tf.mul(v, v), 0.2), v)) as tf.Scalar;
  const g = tf.grad(f)(x);
  // d/dv (v^2 * v) = 3 v^2 (v^2 >= 0: leakyRelu is the identity there)
  assertNs.deepEqual(Array.from(await g.data()), [12, 0.75, 0.75, 27]);
  tf.dispose([x, g]);
});
