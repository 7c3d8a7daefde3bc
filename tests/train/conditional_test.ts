import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  balancedClasses,
  createGan,
  decodeNpy,
  defaultModelConfig,
  defaultTrainConfig,
  disposeGan,
  GanTrainer,
  initBackend,
  RunDir,
  summarize,
  trainRun,
} from "../../lib/mod.ts";
import { smallConfig } from "../_support/small_config.ts";
import { loadTinyDataset } from "../_support/tiny_dataset.ts";

await initBackend({ backend: "wasm" });

const oneHot = (classes: number[]) =>
  tf.oneHot(tf.tensor1d(classes, "int32"), 10).toFloat() as tf.Tensor2D;

Deno.test("cdcgan: G takes z and a one-hot class (110 inputs), D takes the image and 10 class maps", () => {
  const gan = createGan(defaultModelConfig("cdcgan"), 0);
  assert.deepEqual(gan.generator.store.params.get("convT1.weight")!.shape, [4, 4, 512, 110]);
  assert.deepEqual(gan.discriminator.store.params.get("conv1.weight")!.shape, [4, 4, 11, 64]);
  const g = summarize(gan.generator, [2, 100], 10);
  assert.deepEqual(g.at(-1)!.outputShape, [2, 28, 28, 1]);
  const d = summarize(gan.discriminator, [2, 28, 28, 1], 10);
  assert.deepEqual(d.at(-1)!.outputShape, [2, 1]);
  disposeGan(gan);
});

Deno.test("cdcgan: networks without labels, or with labels of the wrong shape, say what they need", () => {
  const gan = createGan(defaultModelConfig("cdcgan"), 0);
  tf.tidy(() => {
    assert.throws(
      () => gan.generator.apply(tf.zeros([2, 100]), { training: false }),
      /G is class-conditional: pass one-hot labels \[b, 10\] in ctx.labels/,
    );
    assert.throws(
      () =>
        gan.discriminator.apply(tf.zeros([2, 28, 28, 1]), {
          training: false,
          labels: oneHot([1, 2, 3]),
        }),
      /D: labels have shape \[3,10\], expected \[2, 10\]/,
    );
  });
  disposeGan(gan);
});

Deno.test("cdcgan: the label changes G's image for the same z", () => {
  const t = new GanTrainer(smallConfig("cdcgan"));
  const z = tf.tidy(() =>
    tf.tile(tf.randomNormal([1, 100], 0, 1, "float32", 1), [2, 1])
  ) as tf.Tensor2D;
  const x = t.generator.generate(z, { classes: [3, 7] });
  const v = x.dataSync();
  let diff = 0;
  for (let i = 0; i < 784; i++) diff += Math.abs(v[i] - v[784 + i]);
  assert.ok(diff > 0);
  tf.dispose([z, x]);
  t.dispose();
});

Deno.test("cdcgan: a D step needs the batch's labels; with them, steps keep the tensor count and G steps leave D alone", async () => {
  const t = new GanTrainer(smallConfig("cdcgan"));
  const x = tf.randomUniform([8, 28, 28, 1], -1, 1, "float32", 7) as tf.Tensor4D;
  const y = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32");
  await assert.rejects(
    () => t.trainStep(x, 1, 0),
    /cdcgan is class-conditional: the D step needs the batch's labels/,
  );
  await t.trainStep(x, 1, 0, y);
  const count = tf.memory().numTensors;
  for (let i = 1; i < 4; i++) assert.ok(Number.isFinite((await t.trainStep(x, 1, i, y)).dLoss));
  assert.equal(tf.memory().numTensors, count);
  const d0 = [...t.discriminator.store.params.values()].map((v) => v.dataSync().slice());
  await t.generatorStep(8);
  [...t.discriminator.store.params.values()].forEach((v, i) =>
    assert.deepEqual(v.dataSync(), d0[i])
  );
  tf.dispose([x, y]);
  t.dispose();
});

Deno.test("balanced classes come in equal contiguous runs: a 10x10 grid has one class per row", () => {
  assert.deepEqual(Array.from(balancedClasses(100, 10)).filter((_, i) => i % 10 === 0), [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
  ]);
  assert.deepEqual(Array.from(balancedClasses(5, 10)), [0, 2, 4, 6, 8]);
  assert.equal(defaultTrainConfig("cdcgan").fixedNoiseCount, 100);
});

Deno.test("sampling a class needs a conditional run and a class in 0..9", async () => {
  const c = new GanTrainer(smallConfig("cdcgan"));
  assert.equal((await c.generator.sample(3, { classOf: 7 })).length, 3 * 784);
  await assert.rejects(() => c.generator.sample(3, { classOf: 10 }), /class 10 is not one of 0..9/);
  c.dispose();
  const u = new GanTrainer(smallConfig("dcgan"));
  await assert.rejects(
    () => u.generator.sample(3, { classOf: 1 }),
    /dcgan is not class-conditional/,
  );
  u.dispose();
});

Deno.test("a cdcgan run trains from the data's labels and writes a 10x10 class grid", async () => {
  const { train } = await loadTinyDataset({ trainCount: 16 });
  const dir = path.join(fs.mkdtempSync("/tmp/run-"), "c");
  const config = smallConfig("cdcgan", { epochs: 1, fixedNoiseCount: 100 });
  const res = await trainRun({ outDir: dir, config, train });
  assert.equal(res.steps, 2);
  const grid = decodeNpy(
    fs.readFileSync(path.join(new RunDir(dir).paths.samples, "epoch-001.npy")),
    "grid",
  );
  assert.deepEqual(grid.shape, [100, 28, 28]);
});
