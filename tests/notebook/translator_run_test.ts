/** Notebook 05's translation pairs: profiles, training or reusing a run, the shipped pair. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  type CycleConfig,
  defaultCycleConfig,
  defaultJudgeConfig,
  defaultQualityConfig,
  exportTranslator,
  initBackend,
  Judge,
  type NotebookContext,
  profileCycleConfig,
  QualityJudge,
  recordTranslatorScores,
  RunDir,
  showTranslationScores,
  type TranslationRecord,
  translatorOrReuse,
} from "../../lib/mod.ts";
import { loadTinyDataset } from "../_support/tiny_dataset.ts";

const backend = await initBackend({ backend: "wasm" });
// labels are i % 10: 8 training and 4 test images of each class
const data = await loadTinyDataset({ trainCount: 80, testCount: 40 });
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

function context(): NotebookContext {
  return {
    profile: "smoke",
    backend,
    backendLine: "wasm (test)",
    data,
    runsDir: fs.mkdtempSync("/tmp/pairs-"),
    pretrainedDir: fs.mkdtempSync("/tmp/pairs-pretrained-"),
    quality: () => Promise.resolve(quality),
    record: () => {},
  };
}

/** Sneaker <-> ankle boot with tiny networks, 2 steps of 2 images. */
function tiny(): CycleConfig {
  const c = defaultCycleConfig(7, 9);
  return {
    ...c,
    batchSize: 2,
    poolSize: 3,
    maxSteps: 2,
    checkpointEvery: 1,
    model: { ...c.model, ngf: 4, ndf: 4, resBlocks: 1 },
  };
}

const pair = { name: "pair", from: 7, to: 9 };

Deno.test("profiles shorten CycleGAN training but keep the paper's settings", () => {
  const full = profileCycleConfig(pair, "full"), quick = profileCycleConfig(pair, "quick");
  const smoke = profileCycleConfig(pair, "smoke");
  assert.deepEqual(full, defaultCycleConfig(7, 9));
  assert.deepEqual([quick.epochs, quick.maxSteps], [1, null]);
  assert.deepEqual([smoke.epochs, smoke.maxSteps], [1, 4]);
  for (const c of [quick, smoke]) {
    assert.deepEqual(
      [c.lr, c.beta1, c.cycleWeight, c.identityWeight, c.poolSize, c.batchSize],
      [2e-4, 0.5, 10, 5, 50, 16],
    );
    assert.ok(c.checkpointEvery > 0);
  }
  assert.throws(
    () => profileCycleConfig(pair, "pretrained", fs.mkdtempSync("/tmp/pairs-none-")),
    /no pretrained translation pair 'pair'/,
  );
});

Deno.test("a training profile trains the pair once, scores it beside the nearest training image, then reuses it", async () => {
  const nb = context();
  const first = await translatorOrReuse(nb, { name: "pair", config: tiny() });
  try {
    assert.match(first.provenance, /pair-smoke: 2 steps, trained/);
    for (const d of ["AB", "BA"] as const) {
      assert.equal(first.scores[d].cyclegan.n, 4); // the 4 test images of the source class
      assert.equal(first.scores[d].nearestTrainingImage.n, 4);
      assert.ok(first.scores[d].cyclegan.cycleError! >= 0);
      assert.equal(first.scores[d].latentEdit, undefined); // no baseline generator given
    }
  } finally {
    first.translator.dispose();
  }
  const records: Record<string, unknown> = {};
  const again = await translatorOrReuse({ ...nb, record: (k, v) => void (records[k] = v) }, {
    name: "pair",
    config: tiny(),
  });
  assert.match(again.provenance, /2 steps, reused/);
  assert.deepEqual(again.scores, first.scores);
  await showTranslationScores({ ...nb, record: (k, v) => void (records[k] = v) }, "pair", again);
  const record = records["translation:pair"] as TranslationRecord;
  assert.equal(record.steps, 2);
  assert.deepEqual(
    record.directions.map((d) => [d.from, d.to, d.images, d.success]),
    [
      ["Sneaker", "Ankle boot", 4, again.scores.AB.cyclegan.success],
      ["Ankle boot", "Sneaker", 4, again.scores.BA.cyclegan.success],
    ],
  );
  again.translator.dispose();
});

Deno.test("the pretrained profile shows the shipped pair with its recorded scores, and refuses another config", async () => {
  const nb = context();
  const trained = await translatorOrReuse(nb, { name: "pair", config: tiny() });
  trained.translator.dispose();
  const run = new RunDir(path.join(nb.runsDir, "pair-smoke"));
  await exportTranslator(run, { name: "pair", label: "tiny pair", root: nb.pretrainedDir });
  const shipped: NotebookContext = { ...nb, profile: "pretrained" };
  const config = profileCycleConfig(pair, "pretrained", nb.pretrainedDir);
  assert.deepEqual(config, tiny());
  await assert.rejects(
    () => translatorOrReuse(shipped, { name: "pair", config }),
    /has no scores yet: 'deno task export' measures them/,
  );
  recordTranslatorScores(path.join(nb.pretrainedDir, "pair"), trained.scores);
  const p = await translatorOrReuse(shipped, { name: "pair", config });
  assert.match(p.provenance, /shipped pair 'pair' \(tiny pair\): 2 steps/);
  assert.deepEqual(p.scores, trained.scores);
  p.translator.dispose();
  await assert.rejects(
    () => translatorOrReuse(shipped, { name: "pair", config: { ...config, cycleWeight: 5 } }),
    /trained with another configuration .*\(GAN_PROFILE=quick or full trains\)/,
  );
});

Deno.test("a pair shipped before the class weight existed opens under the pretrained profile", async () => {
  const nb = context();
  const trained = await translatorOrReuse(nb, { name: "pair", config: tiny() });
  trained.translator.dispose();
  await exportTranslator(new RunDir(path.join(nb.runsDir, "pair-smoke")), {
    name: "pair",
    label: "tiny pair",
    root: nb.pretrainedDir,
  });
  recordTranslatorScores(path.join(nb.pretrainedDir, "pair"), trained.scores);
  // the config.json of a pair exported by the version before --class-weight
  const file = path.join(nb.pretrainedDir, "pair", "config.json");
  const old = JSON.parse(fs.readFileSync(file, "utf8"));
  delete old.classWeight;
  fs.writeFileSync(file, JSON.stringify(old));
  const shipped: NotebookContext = { ...nb, profile: "pretrained" };
  const config = profileCycleConfig(pair, "pretrained", nb.pretrainedDir);
  assert.deepEqual(config, tiny());
  const p = await translatorOrReuse(shipped, { name: "pair", config });
  assert.deepEqual(p.scores, trained.scores);
  p.translator.dispose();
});
