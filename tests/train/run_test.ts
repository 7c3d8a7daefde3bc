import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  decodeNpy,
  initBackend,
  loadCheckpoint,
  NonFiniteLossError,
  OptionError,
  RunDir,
  type TrainConfig,
  type TrainerMeta,
  trainRun,
} from "../../lib/mod.ts";
import { smallConfig } from "../_support/small_config.ts";
import { loadTinyDataset } from "../_support/tiny_dataset.ts";
import { rejection } from "../_support/errors.ts";

await initBackend({ backend: "wasm" });
// 40 images in batches of 8: 5 steps per epoch
const { train } = await loadTinyDataset({ trainCount: 40 });
const tmpRun = () => path.join(fs.mkdtempSync("/tmp/run-"), "run");

Deno.test("a run writes config, one history line per step, a checkpoint and sample grids", async () => {
  const dir = tmpRun();
  const res = await trainRun({ outDir: dir, config: smallConfig("dcgan", { epochs: 2 }), train });
  const run = new RunDir(dir), p = run.paths;
  assert.equal(res.steps, 10);
  assert.deepEqual(run.history().map((r) => r.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(run.history().map((r) => r.epoch), [1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
  assert.equal(JSON.parse(fs.readFileSync(p.config, "utf8")).model.kind, "dcgan");
  assert.equal(loadCheckpoint<TrainerMeta>(p.checkpoint).meta.step, 10);
  assert.deepEqual(fs.readdirSync(p.samples).sort(), [
    "RANGE-0-1",
    "epoch-001.npy",
    "epoch-001.png",
    "epoch-002.npy",
    "epoch-002.png",
  ]);
  const arr = decodeNpy(fs.readFileSync(path.join(p.samples, "epoch-002.npy")), "epoch-002.npy");
  assert.deepEqual(arr.shape, [4, 28, 28]);
  assert.ok((arr.data as Float32Array).every((v) => v >= 0 && v <= 1), "grids hold [0, 1]");
  const stats = run.stats()!;
  assert.deepEqual([stats.stepsPerEpoch, stats.trainImages, stats.steps], [5, 40, 10]);
  assert.ok(stats.sPerStep > 0 && stats.machine.length > 0);
  const png = fs.readFileSync(path.join(p.samples, "epoch-001.png"));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
});

for (const kind of ["mlp", "dcgan", "stylegan"] as const) {
  Deno.test(`${kind}: a resumed run produces the same losses as an uninterrupted one`, async () => {
    const whole = tmpRun(), split = tmpRun();
    // stylegan: a lazy R1 step (every 3rd D step) falls after the resume point
    const config = (more: Partial<TrainConfig> = {}) =>
      smallConfig(kind, { epochs: 2, ...(kind === "stylegan" ? { r1Every: 3 } : {}), ...more });
    await trainRun({ outDir: whole, config: config(), train });
    // "killed" after step 7 (mid-epoch 2), then resumed with the full length
    await trainRun({ outDir: split, config: config({ maxSteps: 7 }), train });
    assert.equal(new RunDir(split).history().length, 7);
    const res = await trainRun({ outDir: split, config: config(), train, resume: true });
    assert.equal(res.stepsThisCall, 3);
    assert.deepEqual(new RunDir(split).history(), new RunDir(whole).history());
  });
}

Deno.test("history lines written after the last checkpoint are replaced on resume, never duplicated", async () => {
  const dir = tmpRun();
  await trainRun({ outDir: dir, config: smallConfig("mlp", { epochs: 1, maxSteps: 3 }), train });
  // simulate a crash after two more steps whose lines were written but never checkpointed
  const run = new RunDir(dir), p = run.paths;
  const lines = fs.readFileSync(p.history, "utf8");
  fs.appendFileSync(
    p.history,
    lines.split("\n").slice(0, 2).map((l) => l.replace(/"step":\d/, '"step":9')).join("\n") + "\n",
  );
  await trainRun({ outDir: dir, config: smallConfig("mlp", { epochs: 1 }), train, resume: true });
  assert.deepEqual(run.history().map((r) => r.step), [1, 2, 3, 4, 5]);
});

Deno.test("a call killed after a checkpoint keeps its command and steps in run.json", async () => {
  const dir = tmpRun();
  // the process "dies" right after its first epoch's checkpoint (step 5), before the call ends
  const killed = trainRun({
    outDir: dir,
    config: smallConfig("mlp", { epochs: 3 }),
    train,
    command: "train --epochs 3",
    callbacks: {
      onCheckpoint: () => {
        throw new Error("killed");
      },
    },
  });
  await assert.rejects(killed, /killed/);
  const run = new RunDir(dir);
  assert.deepEqual([run.stats()!.steps, run.stats()!.commands], [5, ["train --epochs 3"]]);
  await trainRun({
    outDir: dir,
    config: smallConfig("mlp", { epochs: 3 }),
    train,
    resume: true,
    command: "train --epochs 3 --resume",
  });
  const stats = run.stats()!;
  assert.deepEqual([stats.steps, stats.commands], [15, [
    "train --epochs 3",
    "train --epochs 3 --resume",
  ]]);
});

Deno.test("a directory that already holds a run is not overwritten without --resume", async () => {
  const dir = tmpRun();
  await trainRun({ outDir: dir, config: smallConfig("mlp", { epochs: 1, maxSteps: 1 }), train });
  const err = await rejection(() =>
    trainRun({ outDir: dir, config: smallConfig("mlp", { epochs: 1 }), train })
  );
  assert.match(err.message, /already holds a run .*pass resume/);
  assert.ok(err instanceof OptionError && err.options.join() === "resume,outDir");
});

Deno.test("resuming with another model or seed is refused", async () => {
  const dir = tmpRun();
  await trainRun({ outDir: dir, config: smallConfig("mlp", { epochs: 1, maxSteps: 1 }), train });
  let err = await rejection(() =>
    trainRun({ outDir: dir, config: smallConfig("dcgan", { epochs: 1 }), train, resume: true })
  );
  assert.match(
    err.message,
    /cannot resume with a different configuration \(model: checkpoint .*"kind":"mlp"/,
  );
  err = await rejection(() =>
    trainRun({ outDir: dir, config: smallConfig("mlp", { seed: 4 }), train, resume: true })
  );
  assert.match(err.message, /seed: checkpoint 0, given 4/);
});

Deno.test("resuming from a truncated checkpoint is an error, never a fresh start", async () => {
  const dir = tmpRun();
  await trainRun({ outDir: dir, config: smallConfig("mlp", { epochs: 1, maxSteps: 2 }), train });
  const file = new RunDir(dir).paths.checkpoint;
  fs.truncateSync(file, fs.statSync(file).size - 1000);
  const err = await rejection(() =>
    trainRun({ outDir: dir, config: smallConfig("mlp", { epochs: 1 }), train, resume: true })
  );
  assert.match(
    err.message,
    /checkpoint\.ckpt: not a valid checkpoint: payload is .* \(truncated\?\)/,
  );
  assert.equal(new RunDir(dir).history().length, 2, "the history is untouched");
});

Deno.test("--resume without a checkpoint is an error", async () => {
  const err = await rejection(() =>
    trainRun({ outDir: tmpRun(), config: smallConfig("mlp"), train, resume: true })
  );
  assert.match(err.message, /^resume: no checkpoint at .*checkpoint\.ckpt/);
});

Deno.test("a diverging run stops at the NaN step and keeps the last good checkpoint", async () => {
  const dir = tmpRun();
  // an infinite learning rate makes G's weights non-finite after its first update, so the
  // D step of step 2 sees NaN images
  const config = smallConfig("mlp", { epochs: 1, lrG: Infinity, checkpointEvery: 1 });
  const err = await rejection(() => trainRun({ outDir: dir, config, train }));
  assert.ok(err instanceof NonFiniteLossError);
  assert.match(err.message, /D loss is NaN at step 2/);
  assert.equal(loadCheckpoint<TrainerMeta>(new RunDir(dir).paths.checkpoint).meta.step, 1);
  assert.equal(new RunDir(dir).history().length, 1);
});

Deno.test("a finished run's generator can be reloaded and sampled as images in [0, 1]", async () => {
  const dir = tmpRun();
  await trainRun({ outDir: dir, config: smallConfig("dcgan", { epochs: 1 }), train });
  const generator = new RunDir(dir).loadGenerator();
  assert.equal(generator.step, 5);
  const images = await generator.sample(10, { batchSize: 4 });
  assert.equal(images.length, 10 * 784);
  assert.ok(images.every((v) => v >= 0 && v <= 1));
  assert.deepEqual(
    await generator.sample(3, { seed: 1 }),
    await generator.sample(3, { seed: 1 }),
    "seeded",
  );
  generator.dispose();
  assert.throws(() => new RunDir("/tmp").loadGenerator(), /\/tmp: no checkpoint/);
});

Deno.test("FID scored during training lands in quality.jsonl, by step and by epoch", async () => {
  const dir = tmpRun();
  const seen: number[] = [];
  // a stand-in scorer: the mean pixel of what G produced, so the record is checkable
  const scorer = {
    fid(images: Float32Array) {
      seen.push(images.length / 784);
      return images.reduce((a, b) => a + b, 0) / images.length;
    },
  };
  const config = smallConfig("mlp", { epochs: 2, evalEvery: 1, evalEverySteps: 3, evalSamples: 6 });
  await trainRun({ outDir: dir, config, train, scorer });
  const q = new RunDir(dir).quality();
  // steps 3, 6, 9 by steps; epoch ends 5 and 10 (10 is not a multiple of 3)
  assert.deepEqual(q.map((r) => r.step), [3, 5, 6, 9, 10]);
  assert.deepEqual(q.map((r) => r.epoch), [0.6, 1, 1.2, 1.8, 2]);
  assert.ok(q.every((r) => r.samples === 6 && r.fid > 0 && r.fid < 1));
  assert.deepEqual(seen, [6, 6, 6, 6, 6]);
});

Deno.test("quality records after the resumed checkpoint are dropped, and scoring needs a scorer", async () => {
  const dir = tmpRun();
  const scorer = { fid: () => 1 };
  const config = smallConfig("mlp", { epochs: 2, evalEverySteps: 2, checkpointEvery: 4 });
  await trainRun({ outDir: dir, config: { ...config, maxSteps: 7 }, train, scorer });
  assert.deepEqual(new RunDir(dir).quality().map((r) => r.step), [2, 4, 6]);
  // a record from after the checkpoint (step 7), as a crash would leave it
  const file = new RunDir(dir).paths.quality;
  fs.appendFileSync(
    file,
    JSON.stringify({ step: 8, epoch: 1.6, fid: 99, samples: 1, seconds: 0 }) + "\n",
  );
  await trainRun({ outDir: dir, config, train, scorer, resume: true });
  assert.deepEqual(new RunDir(dir).quality().map((r) => r.step), [2, 4, 6, 8, 10]);
  assert.ok(new RunDir(dir).quality().every((r) => r.fid === 1));
  const err = await rejection(() => trainRun({ outDir: tmpRun(), config, train }));
  assert.match(err.message, /evalEvery\/evalEverySteps is set but trainRun was given no scorer/);
});
