import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/mod.ts";
import { BENCH_KINDS, benchStep } from "../../lib/cli/bench_step.ts";

await initBackend({ backend: "wasm" });

Deno.test("the bench can time every model of the registry and CycleGAN", () => {
  assert.ok(BENCH_KINDS.includes("dcgan"));
  assert.ok(BENCH_KINDS.includes("stylegan"));
  assert.ok(BENCH_KINDS.includes("cyclegan"));
});

for (const kind of ["dcgan", "cyclegan"] as const) {
  Deno.test(`the bench's ${kind} step trains on noise at the batch size asked and frees every tensor it made`, async () => {
    const before = tf.memory().numTensors;
    const step = benchStep(kind, 2);
    assert.equal(step.batchSize, 2);
    for (let i = 0; i < 2; i++) await step.run(i);
    step.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
}

Deno.test("the bench's steps default to each model's own batch size", () => {
  for (const [kind, size] of [["mlp", 64], ["cyclegan", 16]] as const) {
    const step = benchStep(kind);
    try {
      assert.equal(step.batchSize, size);
    } finally {
      step.dispose();
    }
  }
});
