import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  defaultJudgeConfig,
  defaultModelConfig,
  Generator,
  initBackend,
  isStyleNetwork,
  Judge,
  mixStyles,
  OptionError,
  perceptualPathLength,
  Rng,
  truncatedImages,
} from "../../lib/mod.ts";

await initBackend({ backend: "wasm" });

/** A small untrained StyleGAN G with noise and a non-zero w_avg, so every input shows. */
function smallStyleGenerator(): Generator {
  const config = { ...defaultModelConfig("stylegan"), ngf: 8 };
  const g = Generator.create(config, 0);
  const net = g.drawing;
  assert.ok(isStyleNetwork(net));
  net.wAvg.assign(tf.randomNormal([net.wAvg.size], 0, 0.5, "float32", 3));
  return g;
}

const latents = (n: number, seed: number) => new Rng(seed).fillNormal(new Float32Array(n * 128));
const image = (all: Float32Array, i: number) => all.subarray(i * 784, (i + 1) * 784);
const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

Deno.test("truncation 1 draws what the generator draws; truncation 0 draws one image for every z", async () => {
  const g = smallStyleGenerator();
  const z = latents(3, 1);
  const plain = await g.fromLatents(z);
  assert.ok(maxDiff(await truncatedImages(g, z, { psi: 1 }), plain) < 1e-6);
  const centre = await truncatedImages(g, z, { psi: 0 });
  assert.ok(maxDiff(image(centre, 0), image(centre, 2)) < 1e-6);
  assert.ok(maxDiff(image(centre, 0), image(plain, 0)) > 1e-3);
  g.dispose();
});

Deno.test("a style-mixing grid takes coarse styles from its row and fine styles from its column", async () => {
  const g = smallStyleGenerator();
  const a = latents(2, 1), b = latents(2, 2);
  const grid = await mixStyles(g, { coarse: a, fine: b }); // 2 x 2
  // each cell equals the 1 x 1 grid of its own row and column latents
  for (const [i, j] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
    const cell = await mixStyles(g, {
      coarse: a.subarray(i * 128, (i + 1) * 128),
      fine: b.subarray(j * 128, (j + 1) * 128),
    });
    assert.ok(maxDiff(image(grid, i * 2 + j), cell) < 1e-5, `cell ${i}, ${j}`);
  }
  // mixing a latent with itself is that latent's image; mixing two is neither's
  const self = await mixStyles(g, { coarse: a.subarray(0, 128), fine: a.subarray(0, 128) });
  const plain = await g.fromLatents(a);
  assert.ok(maxDiff(self, image(plain, 0)) < 1e-5);
  assert.ok(maxDiff(image(grid, 0), image(plain, 0)) > 1e-3);
  g.dispose();
});

Deno.test("truncation and mixing name what is wrong: a DCGAN, a psi, a resolution", async () => {
  const dcgan = Generator.create({ ...defaultModelConfig("dcgan"), ngf: 8 }, 0);
  await assert.rejects(() => truncatedImages(dcgan, latents(1, 1)), OptionError);
  await assert.rejects(
    () => truncatedImages(dcgan, new Float32Array(100)),
    /model dcgan has no style-based generator/,
  );
  dcgan.dispose();
  const g = smallStyleGenerator();
  await assert.rejects(
    () => truncatedImages(g, latents(1, 1), { psi: -1 }),
    /psi must be in \[0, 2\]/,
  );
  await assert.rejects(
    () => mixStyles(g, { coarse: latents(1, 1), fine: latents(1, 2), fineFrom: 7 }),
    /fineFrom must be one of 14, 28/,
  );
  g.dispose();
});

Deno.test("path length: seeded, positive, about the same at eps 1e-4 and 1e-3, w only for StyleGAN", async () => {
  const g = smallStyleGenerator();
  const judge = new Judge(defaultJudgeConfig());
  const measure = (space: "z" | "w", epsilon: number, seed = 0) =>
    perceptualPathLength(g, judge, { space, sampling: "full", pairs: 40, epsilon, seed });
  for (const space of ["z", "w"] as const) {
    const small = await measure(space, 1e-4), large = await measure(space, 1e-3);
    assert.ok(small.ppl > 0 && Number.isFinite(small.ppl), `${space}: ${small.ppl}`);
    assert.equal((await measure(space, 1e-4)).ppl, small.ppl);
    // a squared distance over eps^2: a smooth path gives the same ratio at both steps
    assert.ok(Math.abs(small.ppl / large.ppl - 1) < 0.25, `${space}: ${small.ppl} vs ${large.ppl}`);
  }
  const end = await perceptualPathLength(g, judge, { space: "w", sampling: "end", pairs: 20 });
  assert.equal(end.sampling, "end");
  assert.ok(end.ppl > 0);
  const dcgan = Generator.create({ ...defaultModelConfig("dcgan"), ngf: 8 }, 0);
  await assert.rejects(
    () => perceptualPathLength(dcgan, judge, { space: "w", sampling: "full", pairs: 4 }),
    /space w needs a style-based generator/,
  );
  dcgan.dispose();
  judge.dispose();
  g.dispose();
});
