/** Notebook 05's StyleGAN figures and tables on a tiny dataset and small untrained models. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
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
  type NotebookContext,
  type NotebookRecords,
  PRETRAINED_DIR,
  QualityJudge,
  RunDir,
  showStyleScores,
  styleMixingFigure,
  type StyleScores,
  truncationFigure,
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

/** A smoke-profile context over the tiny dataset that keeps what it records. */
function context(records: Partial<NotebookRecords>): NotebookContext {
  return {
    profile: "smoke",
    backend: { name: "wasm", threads: 1, skipped: [], line: "wasm" } as never,
    backendLine: "wasm (test)",
    data,
    runsDir: fs.mkdtempSync("/tmp/style-cells-"),
    pretrainedDir: fs.mkdtempSync("/tmp/style-cells-pretrained-"),
    quality: async () =>
      await QualityJudge.create(judge, meta, data, {
        ...defaultQualityConfig(),
        k: 3,
        memorisationSamples: 4,
      }),
    record: (key, value) => void (records[key] = value),
  };
}

Deno.test("the style scores cell measures at the profile's size and records the numbers for the front page", async () => {
  const records: Partial<NotebookRecords> = {};
  const g = styleGenerator();
  const run = new RunDir(fs.mkdtempSync("/tmp/style-run-")); // a run, not a shipped model
  const s = await showStyleScores(context(records), { run, generator: g });
  assert.deepEqual([s.samples, s.pairs], [500, 200]); // smoke
  assert.equal(s.pathLengths.length, 2 * 2 * 2); // Z and W, two samplings, two seeds
  assert.deepEqual(records.stylegan?.truncation, s.truncation);
  assert.deepEqual(records.stylegan?.pathLengths.map((r) => r.space), ["z", "z", "w", "w"]);
  g.dispose();
});

Deno.test("the style scores cell shows a shipped model's recorded scores without measuring", async () => {
  const dir = fs.mkdtempSync("/tmp/style-shipped-");
  const manifest = JSON.parse(
    fs.readFileSync(path.join(PRETRAINED_DIR, "dcgan", "model.json"), "utf8"),
  );
  const style: StyleScores = {
    samples: 10_000,
    truncation: [{ psi: 1, fid: 4, precision: 0.7, recall: 0.7, classEntropy: 2.3 }],
    pairs: 10_000,
    pathLengths: [],
  };
  fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify({ ...manifest, style }));
  const records: Partial<NotebookRecords> = {};
  const nb = context(records);
  nb.quality = () => Promise.reject(new Error("measured")); // nothing may be measured
  const g = styleGenerator();
  assert.deepEqual(await showStyleScores(nb, { run: new RunDir(dir), generator: g }), style);
  assert.equal(records.stylegan?.samples, 10_000);
  g.dispose();
});
