/**
 * The notebook cells' helpers on a tiny dataset and small models: what they compute and record.
 * (Their displays are no-ops outside the Deno kernel; the smoke report runs them in a kernel.)
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { decode } from "fast-png";
import {
  classExamplesFigure,
  defaultJudgeConfig,
  defaultQualityConfig,
  dimensionsFigure,
  dimensionSweepFigure,
  exportPretrained,
  Generator,
  initBackend,
  interpolationFigure,
  Judge,
  lastSamplesFigure,
  type NotebookContext,
  type NotebookRecords,
  profileConfig,
  projectionsFigure,
  QualityJudge,
  randomLatents,
  randomWalkFigure,
  showClassCounts,
  showClassEdit,
  showConditional,
  showFirstBatch,
  showLosses,
  showPixelStatistics,
  showPretrained,
  showProjections,
  showRun,
  showSamplesOverTraining,
  showTable2,
  SWEEP_VALUES,
  trainOrReuse,
} from "../../lib/mod.ts";
import { smallConfig } from "../_support/small_config.ts";
import { loadTinyDataset } from "../_support/tiny_dataset.ts";

const backend = await initBackend({ backend: "wasm" });
const data = await loadTinyDataset({ trainCount: 40, testCount: 20 });
const judge = new Judge({ ...defaultJudgeConfig(), channels: [4, 8], featureDim: 8 });
const quality = await QualityJudge.create(
  judge,
  {
    kind: "fashion-judge",
    config: judge.config,
    testAccuracy: 0,
    weightsSha256: "none",
    trainSeconds: 0,
    backend: "wasm",
  },
  data,
  { ...defaultQualityConfig(), memorisationSamples: 4 },
);

/** A smoke-profile notebook context over the tiny dataset that keeps what it records. */
function context(): { nb: NotebookContext; records: Partial<NotebookRecords> } {
  const records: Partial<NotebookRecords> = {};
  const nb: NotebookContext = {
    profile: "smoke",
    backend,
    backendLine: "wasm (test)",
    data,
    runsDir: fs.mkdtempSync("/tmp/cells-"),
    pretrainedDir: fs.mkdtempSync("/tmp/cells-pretrained-"),
    quality: () => Promise.resolve(quality),
    record: (key, value) => void (records[key] = value),
  };
  return { nb, records };
}

const size = (png: Uint8Array) => {
  const image = decode(png);
  return [image.width, image.height];
};

Deno.test("the data cells run on a split and draw one row of ten per class", async () => {
  await showClassCounts(data);
  await showPixelStatistics(data);
  await showFirstBatch(data, 8);
  // 10 columns of 2x-scaled 28-pixel tiles with 2-pixel padding, plus row labels on the left
  const [width, height] = size(classExamplesFigure(data, 2));
  assert.ok(width > 2 * (56 + 2) && height >= 10 * (56 + 2), `${width}x${height}`);
});

Deno.test("a model's cells train once, then reuse the run, and record table 2 and the floor", async () => {
  const { nb, records } = context();
  const config = smallConfig("mlp", { epochs: 1, sampleEverySteps: 2 });
  const run = await trainOrReuse(nb, config);
  assert.equal(run.history().length, 5);
  assert.equal(run.stats()!.backend, "wasm (test)");
  await showLosses(run, "losses");
  await showSamplesOverTraining(run, "samples");
  const again = await showRun(nb, config, { losses: "l", samples: "s" });
  assert.equal(again.dir, run.dir);
  assert.equal(again.stats()!.steps, 5, "reused, not trained again");

  const dcgan = await trainOrReuse(nb, smallConfig("dcgan", { epochs: 1 }));
  await showTable2(nb, [run, dcgan]);
  assert.deepEqual(records.table2!.map((r) => r.name), ["MLP GAN (A.1)", "DCGAN (A.2)"]);
  assert.deepEqual(records.table2!.map((r) => r.steps), [5, 5]);
  assert.equal(records.floor!.samples, 500);
  // one row per model of its last grid's first images (small configs keep 4 fixed latents)
  const [width, height] = size(lastSamplesFigure([run, dcgan]));
  assert.ok(width > 4 * 58 && width < 5 * 58 + 200 && height >= 2 * 58, `${width}x${height}`);
});

Deno.test("the conditional cell measures and records the judge's agreement with the classes", async () => {
  const { nb, records } = context();
  const run = await trainOrReuse(nb, smallConfig("cdcgan", { epochs: 1, fixedNoiseCount: 100 }));
  await showConditional(nb, run);
  const { accuracy, ...rest } = records.conditional!;
  assert.ok(accuracy >= 0 && accuracy <= 1);
  assert.deepEqual(rest, { name: "class-conditional DCGAN", steps: 5, samples: 1000 });
});

Deno.test("the latent figures draw one tile per latent vector, as many columns as steps", async () => {
  const g = Generator.create(smallConfig("dcgan").model, 0);
  const bases = randomLatents(g, 2, 7);
  assert.equal(bases.length, 2);
  assert.notDeepEqual(bases[0], bases[1]);
  const tile = 2 * 28 + 2; // 2x scale, 2-pixel padding
  const [sweepW, sweepH] = size(await dimensionSweepFigure(g, bases, 4));
  assert.ok(sweepW >= SWEEP_VALUES.length * tile && sweepH >= 2 * tile);
  const [dimsW, dimsH] = size(await dimensionsFigure(g, bases[0], [1, 2, 3]));
  assert.ok(dimsW >= SWEEP_VALUES.length * tile && dimsH >= 3 * tile);
  const [interpW, interpH] = size(await interpolationFigure(g, bases[0], bases[1], 6));
  assert.ok(interpW >= 6 * tile && interpW < SWEEP_VALUES.length * tile && interpH >= 2 * tile);
  const [walkW, walkH] = size(await randomWalkFigure(g, bases[0], { steps: 20 }));
  assert.ok(walkW >= 10 * tile && walkH >= 2 * tile);
  g.dispose();
});

Deno.test("the pretrained profile opens the shipped model, trains nothing, and says where it came from", async () => {
  const { nb } = context();
  const trained = await trainOrReuse(nb, smallConfig("mlp", { epochs: 1 }));
  await exportPretrained(trained, { name: "mlp", label: "tiny MLP", root: nb.pretrainedDir });
  const shippedNb: NotebookContext = { ...nb, profile: "pretrained" };
  const config = profileConfig("mlp", "pretrained", nb.pretrainedDir);
  assert.deepEqual(config, trained.config());
  const run = await trainOrReuse(shippedNb, config);
  assert.equal(run.dir, path.join(nb.pretrainedDir, "mlp"));
  assert.deepEqual(run.history().map((r) => r.step), trained.history().map((r) => r.step));
  await assert.rejects(
    () => trainOrReuse(shippedNb, smallConfig("mlp", { epochs: 2 })),
    /trained with another configuration .*\(GAN_PROFILE=quick or full trains\)/,
  );
  const again = await showPretrained(nb, "mlp");
  assert.equal(again.dir, run.dir);
});

Deno.test("the projection and class-edit cells measure and record, or say why they cannot", async () => {
  const { nb, records } = context();
  const g = Generator.create({ ...smallConfig("dcgan").model, initStd: 0.3 }, 0);
  await showProjections(nb, g); // smoke: two test images, 20 steps
  const p = records.projection as { images: number; mse: number; nearestMse: number };
  assert.equal(p.images, 2);
  assert.ok(p.mse > 0 && p.nearestMse >= 0);
  const { rows } = await projectionsFigure(g, data, { classes: [3], steps: 5 });
  assert.deepEqual(rows.map((r) => [r.index, r.className]), [[3, data.classNames[3]]]);
  await showClassEdit(nb, g, 7, 9); // an untrained G: too few confident samples, said so
  assert.equal(records.classEdit, undefined);
  g.dispose();
});

Deno.test("cleanup: the test judge", () => judge.dispose());
