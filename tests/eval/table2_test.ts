import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  defaultJudgeConfig,
  defaultQualityConfig,
  fidCurveSvg,
  initBackend,
  Judge,
  measureRun,
  type ModelMeasurements,
  parameterCounts,
  QualityJudge,
  type QualityScores,
  RunDir,
  type StepRecord,
  table2,
  table2Display,
  trainRun,
} from "../../lib/mod.ts";
import { smallConfig } from "../_support/small_config.ts";
import { loadTinyDataset } from "../_support/tiny_dataset.ts";

await initBackend({ backend: "wasm" });

const scores = (fid: number): QualityScores => ({
  n: 100,
  fid,
  is: 5,
  precision: 0.5,
  recall: 0.4,
  classEntropy: 2,
  minClassShare: 0.05,
  minClass: 3,
  classShares: new Array(10).fill(0.1),
  meanConfidence: 0.8,
  memorisation: null,
  judgeAccuracy: 0.93,
  judgeSha256: "x",
});

function history(dLosses: number[]): StepRecord[] {
  return dLosses.map((d, i) => ({
    step: i + 1,
    epoch: 1 + Math.floor(i / 5),
    batch: i % 5,
    dLoss: d,
    gLoss: i % 2 === 0 ? 2 * d : null,
    dReal: 0.7,
    dFake: 0.3,
  }));
}

Deno.test("table 2 measures convergence, stability, sharpness and mode collapse per model", () => {
  const m: ModelMeasurements = {
    name: "DCGAN",
    kind: "dcgan",
    // ten steps; the last 20% are steps 9 and 10 with D losses 1 and 3
    history: history([5, 5, 5, 5, 5, 5, 5, 5, 1, 3]),
    quality: [
      { step: 5, epoch: 1, fid: 40, samples: 10, seconds: 0 },
      { step: 10, epoch: 2, fid: 12, samples: 10, seconds: 0 },
      { step: 15, epoch: 3, fid: 20, samples: 10, seconds: 0 },
      { step: 20, epoch: 4, fid: 10, samples: 10, seconds: 0 },
    ],
    sPerStep: 1.5,
    final: scores(9),
  };
  const [row] = table2([m], { fidThreshold: 15, window: 0.5 });
  assert.equal(row.parameters, parameterCounts("dcgan").total);
  assert.equal(row.epochsToThreshold, 2);
  assert.equal(row.steps, 10);
  assert.equal(row.epochs, 2);
  assert.equal(row.fidStd, 5); // FIDs 20 and 10 in the last half
  assert.equal(row.fid, 9);
  assert.equal(row.minClassShare, 0.05);
  const [never] = table2([{ ...m, quality: m.quality.slice(0, 1) }], {
    fidThreshold: 15,
    window: 0.2,
  });
  assert.equal(never.epochsToThreshold, null);
  assert.equal(never.fidStd, null);
  const [shown] = table2Display([row, never].slice(0, 1));
  assert.equal(shown["convergence (epochs to FID < t)"], "2.00");
  assert.equal(table2Display([never])[0]["convergence (epochs to FID < t)"], "not reached");
  const [short] = table2([{ ...m, history: history([1, 3]) }], { fidThreshold: 15, window: 0.2 });
  assert.equal(short.dLossStd, 0); // the window keeps at least the last step
});

Deno.test("the FID curve is an SVG with one line per model and the real-data floor", () => {
  const svg = fidCurveSvg([
    {
      name: "MLP",
      quality: [{ step: 1, epoch: 0.5, fid: 30, samples: 1, seconds: 0 }, {
        step: 2,
        epoch: 1,
        fid: 20,
        samples: 1,
        seconds: 0,
      }],
    },
    { name: "DCGAN", quality: [{ step: 1, epoch: 0.5, fid: 50, samples: 1, seconds: 0 }] },
  ], { floor: 0.5 });
  assert.match(svg, /^<svg/);
  for (const label of ["MLP", "DCGAN", "real training images", "FID"]) {
    assert.ok(svg.includes(label), label);
  }
});

Deno.test("measureRun scores a run's final generator and carries its history", async () => {
  const data = await loadTinyDataset({ trainCount: 40, testCount: 20 });
  const dir = path.join(fs.mkdtempSync("/tmp/t2-"), "run");
  await trainRun({ outDir: dir, config: smallConfig("mlp", { epochs: 1 }), train: data.train });
  const judge = new Judge({ ...defaultJudgeConfig(), channels: [4, 8], featureDim: 8 });
  const meta = {
    kind: "fashion-judge" as const,
    config: judge.config,
    testAccuracy: 0,
    weightsSha256: "none",
    trainSeconds: 0,
    backend: "wasm",
  };
  const quality = await QualityJudge.create(judge, meta, data, {
    ...defaultQualityConfig(),
    memorisationSamples: 4,
  });
  const m = await measureRun("tiny MLP", new RunDir(dir), quality, 12);
  judge.dispose();
  assert.equal(m.kind, "mlp");
  assert.equal(m.history.length, 5);
  assert.equal(m.final.n, 12);
  assert.ok(Number.isFinite(m.final.fid));
  assert.equal(m.final.memorisation!.samples, 4);
});
