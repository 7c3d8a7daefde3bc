import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  defaultTranslatorConfig,
  ImagePool,
  initBackend,
  instanceNorm,
  patchDiscriminator,
  Rng,
  summarize,
  translatorGenerator,
} from "../../lib/mod.ts";

await initBackend({ backend: "cpu" });

Deno.test("CycleGAN's G maps 28x28 images to 28x28 images in [-1, 1] through a 7x7 ResNet", () => {
  const G = translatorGenerator(defaultTranslatorConfig(), new Rng(0));
  const rows = summarize(G, [2, 28, 28, 1]);
  assert.deepEqual(rows.map((r) => [r.layer, r.outputShape.slice(1)]), [
    ["in", [28, 28, 32]],
    ["down1", [14, 14, 64]],
    ["down2", [7, 7, 128]],
    ["res1", [7, 7, 128]],
    ["res2", [7, 7, 128]],
    ["res3", [7, 7, 128]],
    ["up1", [14, 14, 64]],
    ["up2", [28, 28, 32]],
    ["out", [28, 28, 1]],
  ]);
  const y = tf.tidy(() =>
    G.apply(tf.randomUniform([2, 28, 28, 1], -1, 1), { training: true }).dataSync()
  );
  assert.ok(y.every((v) => v >= -1 && v <= 1));
  G.store.dispose();
});

Deno.test("the PatchGAN gives one logit per patch: a 7x7 map for a 28x28 image", () => {
  const D = patchDiscriminator(defaultTranslatorConfig(), new Rng(0));
  const rows = summarize(D, [3, 28, 28, 1]);
  assert.deepEqual(rows.map((r) => r.outputShape), [
    [3, 14, 14, 64],
    [3, 7, 7, 128],
    [3, 7, 7, 256],
    [
      3,
      7,
      7,
      1,
    ],
  ]);
  D.store.dispose();
});

Deno.test("instance norm gives every image's channels zero mean and unit variance", () => {
  const x = tf.randomNormal([3, 5, 5, 2], 4, 3, "float32", 1) as tf.Tensor4D;
  const { mean, variance } = tf.tidy(() => tf.moments(instanceNorm(x), [1, 2]));
  assert.ok(mean.dataSync().every((v) => Math.abs(v) < 1e-5));
  assert.ok(variance.dataSync().every((v) => Math.abs(v - 1) < 1e-3));
  tf.dispose([x, mean, variance]);
});

Deno.test("the image pool fills first, then swaps about half of the new images for stored ones", async () => {
  const pool = new ImagePool(4);
  const rng = new Rng(1);
  const batch = (v: number) => tf.fill([4, 28, 28, 1], v) as tf.Tensor4D;
  const first = batch(1);
  const out1 = await pool.query(first, rng);
  assert.deepEqual(Array.from(out1.dataSync()), Array.from(first.dataSync()), "room: as is");
  assert.equal(pool.size, 4);
  let swapped = 0;
  for (let k = 2; k < 52; k++) {
    const fakes = batch(k), out = await pool.query(fakes, rng);
    const v = out.dataSync();
    for (let i = 0; i < 4; i++) if (v[i * 784] !== k) swapped++;
    tf.dispose([fakes, out]);
  }
  assert.ok(swapped > 60 && swapped < 140, `${swapped} of 200 swapped`);
  // the state round-trips, and a restored pool draws what the original draws
  const copy = new ImagePool(4);
  copy.restore(pool.state());
  const [r1, r2] = [new Rng(9), new Rng(9)];
  const q = batch(99);
  const [a, b] = [await pool.query(q, r1), await copy.query(q, r2)];
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  assert.throws(() => copy.restore(new Float32Array(5 * 784)), /not up to 4 images/);
  tf.dispose([first, out1, q, a, b]);
});
