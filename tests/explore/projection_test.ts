import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  classDirection,
  classLatents,
  defaultJudgeConfig,
  editLatents,
  editSuccess,
  Generator,
  initBackend,
  Judge,
  meanSquaredError,
  nearestImage,
  projectImage,
  projectImages,
  Rng,
} from "../../lib/mod.ts";
import { smallConfig } from "../_support/small_config.ts";

await initBackend({ backend: "wasm" });

Deno.test("projecting an image G drew finds a z that draws it again, and leaks no tensors", async () => {
  // wide initial weights: an untrained G's image then depends on z
  const g = Generator.create({ ...smallConfig("dcgan").model, initStd: 0.3 }, 0);
  const target = await g.fromLatents(new Rng(42).fillNormal(new Float32Array(100)));
  const before = tf.memory().numTensors;
  const p = await projectImage(g, target, { steps: 60, starts: 2, seed: 1 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(p.z.length, 100);
  assert.equal(p.history.length, 60);
  assert.ok(p.history.at(-1)! < 0.75 * p.history[0], `${p.history[0]} -> ${p.history.at(-1)}`);
  assert.ok(Math.abs(p.mse - meanSquaredError(await g.fromLatents(p.z), target)) < 1e-6);
  await assert.rejects(() => projectImage(g, new Float32Array(10)), /10 values, not 784/);
  g.dispose();
});

Deno.test("images projected together in groups find what each finds alone, and leak no tensors", async () => {
  const g = Generator.create({ ...smallConfig("dcgan").model, initStd: 0.3 }, 0);
  const targets = await g.fromLatents(new Rng(7).fillNormal(new Float32Array(3 * 100)));
  const options = { steps: 20, starts: 2, seed: 1 };
  const before = tf.memory().numTensors;
  const together = await projectImages(g, targets, { ...options, group: 2 }); // groups of 2, 1
  assert.equal(tf.memory().numTensors, before);
  assert.equal(together.length, 3);
  for (let i = 0; i < 3; i++) {
    const alone = await projectImage(g, targets.subarray(i * 784, (i + 1) * 784), options);
    const both = together[i];
    assert.equal(both.history.length, 20);
    assert.ok(Math.abs(both.mse - alone.mse) < 1e-5, `image ${i}: ${both.mse} vs ${alone.mse}`);
    const dz = both.z.reduce((m, v, d) => Math.max(m, Math.abs(v - alone.z[d])), 0);
    assert.ok(dz < 1e-3, `image ${i}: z moved by ${dz}`);
  }
  await assert.rejects(() => projectImages(g, new Float32Array(1000)), /not whole 28x28 images/);
  g.dispose();
});

Deno.test("a conditional generator is projected within the class asked for", async () => {
  const g = Generator.create(smallConfig("cdcgan").model, 0);
  const target = await g.fromLatents(new Rng(1).fillNormal(new Float32Array(100)), {
    classes: [3],
  });
  const p = await projectImage(g, target, { steps: 30, starts: 1, classOf: 3 });
  assert.ok(
    Math.abs(p.mse - meanSquaredError(await g.fromLatents(p.z, { classes: [3] }), target)) < 1e-6,
  );
  g.dispose();
});

Deno.test("the nearest image is found by pixel error", () => {
  const images = new Uint8Array(3 * 784);
  images.fill(10, 0, 784);
  images.fill(200, 784, 2 * 784);
  images.fill(90, 2 * 784);
  const target = new Float32Array(784).fill(200 / 255);
  const nearest = nearestImage(target, images, 3);
  assert.equal(nearest.index, 1);
  assert.ok(nearest.mse < 1e-12);
  assert.ok(
    Math.abs(nearestImage(new Float32Array(784).fill(0.3), images, 3).mse - (0.3 - 90 / 255) ** 2) <
      1e-7,
  );
});

Deno.test("class latents average confident samples per class, and edits move along their difference", async () => {
  const g = Generator.create(smallConfig("dcgan").model, 0);
  const judge = new Judge({ ...defaultJudgeConfig(), channels: [4, 8], featureDim: 8 });
  const latents = await classLatents(g, judge, { samples: 300, minConfidence: 0 });
  assert.equal(latents.counts.reduce((a, b) => a + b, 0), 300);
  const [from, to] = latents.counts.map((c, i) => [c, i]).sort((a, b) => b[0] - a[0]).map((x) =>
    x[1]
  );
  const dir = classDirection(latents, from, to);
  assert.ok(Math.abs(dir[7] - (latents.means[to][7] - latents.means[from][7])) < 1e-7);
  const empty = latents.counts.findIndex((c) => c === 0);
  if (empty >= 0) assert.throws(() => classDirection(latents, empty, to), /no confident samples/);
  const z = Float32Array.from({ length: 200 }, (_, i) => i / 100);
  assert.equal(editLatents(z, dir, 2)[103], z[103] + 2 * dir[3]);
  const strict = await classLatents(g, judge, { samples: 100, minConfidence: 1.1 });
  assert.deepEqual(
    strict.counts,
    new Array(10).fill(0),
    "no sample passes an impossible confidence",
  );
  await assert.rejects(
    () => editSuccess(g, judge, strict, { from, to }),
    /no confident samples to average/,
  );
  judge.dispose();
  g.dispose();
});

Deno.test("a conditional generator has no class directions", async () => {
  const g = Generator.create(smallConfig("cdcgan").model, 0);
  const judge = new Judge({ ...defaultJudgeConfig(), channels: [4, 8], featureDim: 8 });
  await assert.rejects(() => classLatents(g, judge), /cdcgan takes its class as an input/);
  judge.dispose();
  g.dispose();
});
