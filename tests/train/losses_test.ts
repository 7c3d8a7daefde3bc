import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { bceWithLogits, initBackend } from "../../lib/mod.ts";

await initBackend({ backend: "cpu" });

const bce = (p: number, t: number) => -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

Deno.test("BCE from logits equals BCE of the sigmoid for smoothed targets", () => {
  const logits = [-3, -0.5, 0, 0.7, 4];
  for (const target of [0.9, 0.1, 1]) {
    const expected = logits.reduce((s, x) => s + bce(sigmoid(x), target), 0) / logits.length;
    const got = tf.tidy(() => bceWithLogits(tf.tensor2d(logits, [5, 1]), target).dataSync()[0]);
    assert.ok(Math.abs(got - expected) < 1e-5, `target ${target}: ${got} vs ${expected}`);
  }
});

Deno.test("BCE from logits stays finite for huge logits", () => {
  const got = tf.tidy(() => bceWithLogits(tf.tensor1d([-500, 500]), 0.9).dataSync()[0]);
  assert.ok(Number.isFinite(got));
  assert.ok(Math.abs(got - (0.9 * 500 + 0.1 * 500) / 2) < 1e-3);
});
