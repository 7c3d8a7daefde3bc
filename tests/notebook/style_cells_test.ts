/** Notebook 05's StyleGAN figures and tables on a tiny dataset and small untrained models. */
import assert from "node:assert/strict";
import { decode } from "fast-png";
import {
  defaultJudgeConfig,
  defaultModelConfig,
  defaultQualityConfig,
  Generator,
  imageGridLayout,
  initBackend,
  isStyleNetwork,
  Judge,
  pathLengths,
  QualityJudge,
  styleMixingFigure,
  truncationFigure,
  truncationScores,
} from "../../lib/mod.ts";
import * as tf from "@tensorflow/tfjs";
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

/** A narrow untrained StyleGAN whose w_avg is off zero, so truncation shows. */
function styleGenerator(): Generator {
  const g = Generator.create({ ...defaultModelConfig("stylegan"), ngf: 8 }, 0);
  const net = g.drawing;
  assert.ok(isStyleNetwork(net));
  net.wAvg.assign(tf.randomNormal([net.wAvg.size], 0, 0.5, "float32", 3));
  return g;
}

const size = (png: Uint8Array) => {
  const image = decode(png);
  return [image.width, image.height];
};

Deno.test("the style-mixing figure has a row and a column of sources around the mixed grid", async () => {
  const g = styleGenerator();
  const png = await styleMixingFigure(g, {
    rowSeeds: [1, 2, 3],
    columnSeeds: [4, 5],
    fineFrom: 14,
  });
  const layout = imageGridLayout(12, {
    columns: 3,
    columnLabels: ["", "seed 4", "seed 5"],
    rowLabels: ["", "seed 1", "seed 2", "seed 3"],
    title: "Style mixing: rows give the coarse styles, columns the 14x14 and 28x28 ones",
  });
  assert.deepEqual(size(png), [layout.width, layout.height]);
  g.dispose();
});

Deno.test("the truncation figure draws a row per seed and a column per psi", async () => {
  const g = styleGenerator();
  const [w, h] = size(await truncationFigure(g, [1, 2]));
  const layout = imageGridLayout(8, {
    columns: 4,
    columnLabels: ["psi 1", "psi 0.9", "psi 0.7", "psi 0.5"],
    rowLabels: ["seed 1", "seed 2"],
    title: "Truncation: w_avg + psi (w - w_avg)",
  });
  assert.deepEqual([w, h], [layout.width, layout.height]);
  g.dispose();
});

Deno.test("truncation scores shrink the spread of the samples' features as psi falls", async () => {
  const g = styleGenerator();
  const quality = await QualityJudge.create(judge, meta, data, {
    ...defaultQualityConfig(),
    k: 3,
    memorisationSamples: 4,
  });
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
