import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  type CycleConfig,
  defaultCycleConfig,
  initBackend,
  RunDir,
  trainCycleRun,
} from "../../lib/mod.ts";
import { loadTinyDataset } from "../_support/tiny_dataset.ts";

await initBackend({ backend: "wasm" });
// labels are i % 10: 8 training images of each class, 4 test images
const { train, test } = await loadTinyDataset({ trainCount: 80, testCount: 40 });
const tmpRun = () => path.join(fs.mkdtempSync("/tmp/cycle-"), "run");

/** Sneaker <-> ankle boot with tiny networks: 4 steps of 2 images per epoch. */
function tiny(more: Partial<CycleConfig> = {}): CycleConfig {
  const c = defaultCycleConfig(7, 9);
  return {
    ...c,
    batchSize: 2,
    poolSize: 3,
    epochs: 2,
    checkpointEvery: 3,
    model: { ...c.model, ngf: 4, ndf: 4, resBlocks: 1 },
    ...more,
  };
}

Deno.test("a CycleGAN run writes its config, a line per step, a checkpoint and a grid per epoch", async () => {
  const dir = tmpRun();
  const r = await trainCycleRun({ outDir: dir, config: tiny(), train, test });
  assert.deepEqual([r.steps, r.stepsThisCall, r.interrupted], [8, 8, false]);
  const run = new RunDir(dir);
  assert.equal(run.history().length, 8);
  assert.ok(run.hasCheckpoint());
  const grids = fs.readdirSync(run.paths.samples).filter((f) => f.endsWith(".png")).sort();
  assert.deepEqual(grids, ["epoch-001.png", "epoch-002.png"]);
  // four rows of the test split's four sneakers / boots: sources, translations, sources, translations
  assert.equal(run.snapshots().at(-1)!.count, 16);
  assert.equal(JSON.parse(fs.readFileSync(run.paths.config, "utf8")).to, 9);
});

Deno.test("a resumed CycleGAN run produces the same losses as an uninterrupted one", async () => {
  const whole = tmpRun(), split = tmpRun();
  await trainCycleRun({ outDir: whole, config: tiny(), train, test });
  await trainCycleRun({ outDir: split, config: tiny({ maxSteps: 5 }), train, test });
  assert.equal(new RunDir(split).history().length, 5);
  const r = await trainCycleRun({ outDir: split, config: tiny(), train, test, resume: true });
  assert.equal(r.stepsThisCall, 3);
  assert.deepEqual(new RunDir(split).history(), new RunDir(whole).history());
  await assert.rejects(
    () =>
      trainCycleRun({ outDir: split, config: tiny({ cycleWeight: 3 }), train, test, resume: true }),
    /cannot resume with a different cycleWeight/,
  );
});
