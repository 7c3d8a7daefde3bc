/** StyleGAN's truncation and path-length scores on a tiny dataset and small untrained models. */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  defaultJudgeConfig,
  defaultModelConfig,
  defaultQualityConfig,
  Generator,
  initBackend,
  isStyleNetwork,
  Judge,
  type ModelPathLength,
  pathLengths,
  pathLengthSummary,
  QualityJudge,
  styleScores,
  truncationScores,
} from "../../lib/mod.ts";
import { loadTinyDataset } from "../_support/tiny_dataset.ts";

await initBackend({ backend: "wasm" });
const data = await loadTinyDataset({ trainCount: 40, testCount: 20 });
const judge = new Judge({ ...defaultJudgeConfig(), channels: [4, 8], featureDim: 8 });
const meta = {
  kind: "fashion-judge",
  config: judge.config,
  testAccuracy: 0,
  weightsSha256: "none",
  trainSeconds: 0,
  backend: "wasm",
} as const;
const quality = await QualityJudge.create(judge, meta, data, {
  ...defaultQualityConfig(),
  k: 3,
  memorisationSamples: 4,
});

/** A narrow untrained StyleGAN whose w_avg is off zero, so truncation shows. */
function styleGenerator(): Generator {
  const g = Generator.create({ ...defaultModelConfig("stylegan"), ngf: 8 }, 0);
  const net = g.drawing;
  assert.ok(isStyleNetwork(net));
  net.wAvg.assign(tf.randomNormal([net.wAvg.size], 0, 0.5, "float32", 3));
  return g;
}

Deno.test("truncation scores shrink the spread of the samples' features as psi falls", async () => {
  const g = styleGenerator();
  const rows = await truncationScores(g, quality, { samples: 24, psis: [1, 0] });
  assert.deepEqual(rows.map((r) => r.psi), [1, 0]);
  assert.ok(rows.every((r) => Number.isFinite(r.fid) && r.recall >= 0 && r.recall <= 1));
  // psi 0: every image is w_avg's, so the samples cover nothing of the test set's spread
  assert.equal(rows[1].recall, 0);
  g.dispose();
});

Deno.test("path lengths cover every space of every subject, both samplings, each seed", async () => {
  const g = styleGenerator();
  const dcgan = Generator.create({ ...defaultModelConfig("dcgan"), ngf: 8 }, 0);
  const rows = await pathLengths(
    [{ name: "dcgan", generator: dcgan, spaces: ["z"] }, {
      name: "stylegan",
      generator: g,
      spaces: ["z", "w"],
    }],
    judge,
    { pairs: 8, seeds: [0, 1] },
  );
  assert.equal(rows.length, 3 * 2 * 2);
  assert.deepEqual(
    [...new Set(rows.map((r) => `${r.model}/${r.space}`))],
    ["dcgan/z", "stylegan/z", "stylegan/w"],
  );
  assert.ok(rows.every((r) => r.ppl >= 0 && Number.isFinite(r.ppl)));
  dcgan.dispose();
  g.dispose();
});

Deno.test("style scores hold four truncations and the path lengths of both models", async () => {
  const g = styleGenerator();
  const dcgan = Generator.create({ ...defaultModelConfig("dcgan"), ngf: 8 }, 0);
  const s = await styleScores(g, quality, {
    compare: { name: "DCGAN", generator: dcgan },
    samples: 12,
    pairs: 4,
  });
  assert.deepEqual(s.truncation.map((r) => r.psi), [1, 0.9, 0.7, 0.5]);
  assert.deepEqual([s.samples, s.pairs], [12, 4]);
  assert.deepEqual(
    pathLengthSummary(s.pathLengths).map((r) => `${r.model} ${r.space} ${r.sampling}`),
    [
      "DCGAN z full",
      "DCGAN z end",
      "StyleGAN z full",
      "StyleGAN z end",
      "StyleGAN w full",
      "StyleGAN w end",
    ],
  );
  dcgan.dispose();
  g.dispose();
});

Deno.test("the path-length summary gives each model, space and sampling its seeds' mean and spread", () => {
  const r = (model: string, seed: number, ppl: number): ModelPathLength => ({
    model,
    space: "z",
    sampling: "full",
    pairs: 10,
    epsilon: 1e-4,
    seed,
    ppl,
    median: ppl,
  });
  assert.deepEqual(pathLengthSummary([r("a", 0, 2), r("b", 0, 10), r("a", 1, 4)]), [
    { model: "a", space: "z", sampling: "full", ppl: 3, spread: 2, perSeed: [2, 4] },
    { model: "b", space: "z", sampling: "full", ppl: 10, spread: 0, perSeed: [10] },
  ]);
});
