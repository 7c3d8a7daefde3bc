import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  GanTrainer,
  initBackend,
  MODEL_KINDS,
  MODELS,
  NonFiniteLossError,
  Rng,
} from "../../lib/mod.ts";
import { smallConfig } from "../_support/small_config.ts";
import { bceWithLogits } from "../../lib/mod.ts";

await initBackend({ backend: "wasm" });

function snapshot(store: Map<string, tf.Variable>): Map<string, Float32Array> {
  return new Map([...store].map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));
}

function changed(before: Map<string, Float32Array>, store: Map<string, tf.Variable>): string[] {
  return [...store].filter(([n, v]) => {
    const a = before.get(n)!, b = v.dataSync();
    return a.some((x, i) => x !== b[i]);
  }).map(([n]) => n);
}

const realBatch = () => tf.randomUniform([8, 28, 28, 1], -1, 1, "float32", 7) as tf.Tensor4D;
/** The batch's class labels for a conditional model (none for the others). */
const labelsFor = (kind: keyof typeof MODELS) =>
  MODELS[kind].conditional ? tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32") : undefined;

for (const kind of MODEL_KINDS) {
  Deno.test(`${kind}: a G step changes G's weights and leaves D's bit-identical`, async () => {
    const t = new GanTrainer(smallConfig(kind));
    const g0 = snapshot(t.generator.network.store.params),
      d0 = snapshot(t.discriminator.store.params);
    await t.generatorStep(8);
    assert.deepEqual(changed(d0, t.discriminator.store.params), []);
    assert.equal(
      changed(g0, t.generator.network.store.params).length,
      t.generator.network.store.params.size,
    );
    t.dispose();
  });

  Deno.test(`${kind}: a D step changes D's weights and leaves G's bit-identical`, async () => {
    const t = new GanTrainer(smallConfig(kind));
    const g0 = snapshot(t.generator.network.store.params),
      d0 = snapshot(t.discriminator.store.params);
    const x = realBatch(), y = labelsFor(kind);
    await t.discriminatorStep(x, y);
    tf.dispose([x, ...(y ? [y] : [])]);
    assert.deepEqual(changed(g0, t.generator.network.store.params), []);
    assert.equal(
      changed(d0, t.discriminator.store.params).length,
      t.discriminator.store.params.size,
    );
    t.dispose();
  });

  Deno.test(`${kind}: the tensor count does not grow across training steps`, async () => {
    const t = new GanTrainer(smallConfig(kind));
    const x = realBatch(), y = labelsFor(kind);
    await t.trainStep(x, 1, 0, y);
    const after1 = tf.memory().numTensors;
    for (let i = 1; i < 4; i++) await t.trainStep(x, 1, i, y);
    assert.equal(tf.memory().numTensors, after1);
    tf.dispose([x, ...(y ? [y] : [])]);
    t.dispose();
  });
}

Deno.test("D's loss uses the smoothed targets 0.9 for real and 0.1 for fake", async () => {
  const config = smallConfig("dcgan");
  config.model.dropout = 0; // deterministic forward passes to recompute the loss by hand
  const t = new GanTrainer(config);
  const x = realBatch();
  const rngBefore = t.rng.state;
  // recompute what the step will see: the same noise, G and D in training mode
  const expected = tf.tidy(() => {
    const rng = Rng.fromState(rngBefore);
    const z = tf.tensor2d(rng.fillNormal(new Float32Array(8 * 100)), [8, 100]);
    const ctx = { training: true, updateStats: false };
    const fake = t.generator.network.apply(z, ctx);
    const D = t.discriminator;
    return tf.add(bceWithLogits(D.apply(x, ctx), 0.9), bceWithLogits(D.apply(fake, ctx), 0.1))
      .dataSync()[0];
  });
  const { dLoss } = await t.discriminatorStep(x);
  assert.ok(Math.abs(dLoss - expected) < 1e-5, `${dLoss} vs ${expected}`);
  x.dispose();
  t.dispose();
});

Deno.test("G is updated on batches whose index is divisible by gEvery", async () => {
  for (const gEvery of [2, 3]) {
    const t = new GanTrainer(smallConfig("mlp", { gEvery }));
    const x = realBatch();
    const withG: number[] = [];
    for (const i of [0, 1, 2, 3, 4, 5, 6]) {
      if ((await t.trainStep(x, 1, i)).gLoss !== null) withG.push(i);
    }
    assert.deepEqual(withG, gEvery === 2 ? [0, 2, 4, 6] : [0, 3, 6]);
    x.dispose();
    t.dispose();
  }
});

Deno.test("R1 is lazy: added on the first D step and on every r1Every-th one after it", async () => {
  const t = new GanTrainer(smallConfig("stylegan", { r1Every: 3 }));
  const calls: number[] = [];
  // spy on this trainer's loss only (the table's entry is shared)
  const loss = t.loss;
  Object.assign(t, {
    loss: {
      ...loss,
      penalty: (...args: Parameters<NonNullable<typeof loss.penalty>>) => {
        calls.push(t.optD.step);
        return loss.penalty!(...args);
      },
    },
  });
  const x = realBatch();
  for (let i = 0; i < 7; i++) await t.discriminatorStep(x);
  assert.deepEqual(calls, [0, 3, 6]);
  x.dispose();
  t.dispose();
});

Deno.test("a NaN loss stops the step with its number and applies no update", async () => {
  const t = new GanTrainer(smallConfig("mlp"));
  const x = realBatch();
  await t.trainStep(x, 1, 0);
  const w = t.discriminator.store.params.get("fc1.weight")!;
  w.assign(tf.fill(w.shape, NaN));
  const g0 = snapshot(t.generator.network.store.params);
  await assert.rejects(() => t.trainStep(x, 1, 1), (e: unknown) => {
    assert.ok(e instanceof NonFiniteLossError);
    assert.match(e.message, /D loss is NaN at step 2/);
    return true;
  });
  assert.equal(t.step, 1);
  assert.equal(t.optD.step, 1, "D's optimiser did not step");
  assert.deepEqual(changed(g0, t.generator.network.store.params), []);
  x.dispose();
  t.dispose();
});
