import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import {
  balancedClasses,
  createGan,
  defaultModelConfig,
  disposeGan,
  FROM_LATENTS_CHUNK,
  GanTrainer,
  Generator,
  initBackend,
  loadGenerator,
  OptionError,
  saveCheckpoint,
  saveGenerator,
} from "../../lib/mod.ts";
import { smallConfig } from "../_support/small_config.ts";

await initBackend({ backend: "cpu" });

const tmpFile = (name: string) => `${fs.mkdtempSync("/tmp/gen-")}/${name}`;
const batch = () => tf.randomUniform([8, 28, 28, 1], -1, 1, "float32", 7) as tf.Tensor4D;

/** Variables (parameters and buffers) of a generator and its EMA copy. */
const variableCount = (g: Generator) =>
  g.network.store.entries().length + (g.ema?.store.entries().length ?? 0);

Deno.test("a new generator has the initial weights of the trainer's G for the same seed", () => {
  const config = defaultModelConfig("dcgan");
  const gan = createGan(config, 3), g = Generator.create(config, 3);
  for (const [name, v] of g.network.store.params) {
    assert.deepEqual(v.dataSync(), gan.generator.store.params.get(name)!.dataSync(), name);
  }
  disposeGan(gan);
  g.dispose();
});

Deno.test("loading from a trainer checkpoint builds G and its EMA copy only: no D, no Adam state", async () => {
  const t = new GanTrainer(smallConfig("mlp", { emaDecay: 0.5 }));
  const x = batch();
  await t.trainStep(x, 1, 0);
  x.dispose();
  const file = tmpFile("c.ckpt");
  await saveCheckpoint(file, t.meta(), t.stateTensors());
  const before = tf.memory().numTensors;
  const g = loadGenerator(file);
  assert.equal(tf.memory().numTensors - before, variableCount(g), "only G's variables were made");
  assert.ok(g.ema, "the EMA copy came along");
  assert.equal(g.step, 1);
  const z = tf.randomNormal([3, 100], 0, 1, "float32", 4) as tf.Tensor2D;
  const ours = g.generate(z), theirs = t.generator.generate(z);
  assert.deepEqual(ours.dataSync(), theirs.dataSync(), "draws what the trainer's generator draws");
  tf.dispose([z, ours, theirs]);
  g.dispose();
  t.dispose();
});

Deno.test("a generator file round-trips G, its config and its step", async () => {
  const config = smallConfig("cdcgan").model;
  const g = Generator.create(config, 5);
  g.step = 42;
  const file = tmpFile("g.ckpt");
  await saveGenerator(file, g);
  const back = loadGenerator(file);
  assert.deepEqual(back.config, config);
  assert.equal(back.step, 42);
  assert.equal(back.ema, null);
  assert.deepEqual(await back.sample(4, { seed: 2 }), await g.sample(4, { seed: 2 }));
  g.dispose();
  back.dispose();
});

Deno.test("a file without a generator is named in the error", async () => {
  const file = tmpFile("other.ckpt");
  const w = tf.zeros([2]);
  await saveCheckpoint(file, { something: "else" }, new Map([["w", w]]));
  w.dispose();
  assert.throws(() => loadGenerator(file), /other\.ckpt: holds no generator/);
});

Deno.test("samples are [0, 1] images, seeded, the same in any batch size, and leak no tensors", async () => {
  const g = Generator.create(smallConfig("dcgan").model, 0);
  const count = tf.memory().numTensors;
  const a = await g.sample(5, { seed: 9 }), b = await g.sample(5, { seed: 9, batchSize: 2 });
  assert.equal(tf.memory().numTensors, count);
  assert.equal(a.length, 5 * 784);
  assert.ok(a.every((v) => v >= 0 && v <= 1));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5);
  assert.notDeepEqual(await g.sample(5, { seed: 10 }), a);
  g.dispose();
});

Deno.test("fromLatents draws the rows of z in [0, 1], as sample does for the same noise", async () => {
  const g = Generator.create(smallConfig("mlp").model, 0);
  const z = tf.randomNormal([2, 100], 0, 1, "float32", 1) as tf.Tensor2D;
  const fromTensor = await g.fromLatents(z),
    fromArray = await g.fromLatents(z.dataSync() as Float32Array);
  assert.deepEqual(fromTensor, fromArray);
  const raw = g.generate(z).dataSync();
  for (let i = 0; i < raw.length; i += 37) {
    assert.ok(Math.abs(fromArray[i] - (raw[i] + 1) / 2) < 1e-6);
  }
  await assert.rejects(
    () => g.fromLatents(new Float32Array(150)),
    /150 values are not rows of 100/,
  );
  z.dispose();
  g.dispose();
});

Deno.test("fromLatents draws many rows a chunk at a time, the same images as one pass", async () => {
  const g = Generator.create(smallConfig("cdcgan").model, 0);
  const n = FROM_LATENTS_CHUNK + 44, zDim = g.config.zDim;
  const z = tf.randomNormal([n, zDim], 0, 1, "float32", 2) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  const chunked = await g.fromLatents(z);
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  // one pass over all rows, with the balanced classes of all n (not of each chunk)
  const classes = balancedClasses(n, g.config.classes);
  const once = tf.tidy(() => tf.div(tf.add(g.generate(z, { classes }), 1), 2).dataSync());
  assert.equal(chunked.length, n * 784);
  let worst = 0;
  for (let i = 0; i < once.length; i++) worst = Math.max(worst, Math.abs(once[i] - chunked[i]));
  assert.ok(worst < 1e-5, `largest difference ${worst}`);
  z.dispose();
  g.dispose();
});

Deno.test("a conditional generator draws balanced classes by default, or the class asked for", async () => {
  const g = Generator.create(smallConfig("cdcgan").model, 0);
  // ten images: classes 0..9 by default; all class 0 when asked; the same noise either way
  const balanced = await g.sample(10, { seed: 1 }),
    zeros = await g.sample(10, { seed: 1, classOf: 0 });
  const image = (x: Float32Array, i: number) => Array.from(x.subarray(i * 784, (i + 1) * 784));
  assert.deepEqual(image(balanced, 0), image(zeros, 0));
  assert.notDeepEqual(image(balanced, 1), image(zeros, 1));
  await assert.rejects(() => g.sample(2, { classOf: 11 }), OptionError);
  g.dispose();
});
