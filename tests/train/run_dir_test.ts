import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  decodeNpy,
  defaultTrainConfig,
  encodeNpy,
  RunDir,
  SNAPSHOT_RANGE_MARK,
} from "../../lib/mod.ts";

const tmpRun = () => new RunDir(path.join(fs.mkdtempSync("/tmp/rundir-"), "run"));

Deno.test("a run directory names every file of the format inside it", () => {
  const run = new RunDir("runs/x");
  assert.deepEqual(run.paths, {
    config: path.join("runs/x", "config.json"),
    history: path.join("runs/x", "history.jsonl"),
    quality: path.join("runs/x", "quality.jsonl"),
    checkpoint: path.join("runs/x", "checkpoint.ckpt"),
    generator: path.join("runs/x", "generator.ckpt"),
    stats: path.join("runs/x", "run.json"),
    samples: path.join("runs/x", "samples"),
  });
});

Deno.test("snapshots are written as [0, 1] grids and read back in training order", () => {
  const run = tmpRun();
  run.begin(defaultTrainConfig("mlp"));
  const images = (v: number) => new Float32Array(4 * 784).fill(v);
  run.writeSnapshot({ step: 3 }, images(0.2), 4);
  const png = run.writeSnapshot({ epoch: 1 }, images(0.8), 4);
  assert.equal(path.basename(png), "epoch-001.png");
  run.addTiming({
    steps: 5,
    seconds: 1,
    backend: "cpu",
    precision: "fp32",
    stepsPerEpoch: 5,
    trainImages: 40,
  });
  const snaps = run.snapshots();
  assert.deepEqual(snaps.map((s) => [s.label, s.step, s.count]), [["step 3", 3, 4], [
    "epoch 1",
    5,
    4,
  ]]);
  assert.ok(Math.abs(snaps[1].images[0] - 0.8) < 1e-7);
});

Deno.test("grids saved in G's [-1, 1] by earlier versions are migrated to [0, 1] once", () => {
  const run = tmpRun();
  run.begin(defaultTrainConfig("mlp"));
  fs.mkdirSync(run.paths.samples, { recursive: true });
  fs.writeFileSync(
    path.join(run.paths.samples, "epoch-001.npy"),
    encodeNpy(new Float32Array(784).fill(-1).fill(0.5, 0, 10), [1, 28, 28]),
  );
  const [snap] = run.snapshots();
  assert.equal(snap.images[0], 0.75);
  assert.equal(snap.images[783], 0);
  // no run.json: the full training split's batches per epoch
  assert.equal(snap.step, 938);
  // the file itself now holds [0, 1], and the directory is marked: no read guesses again
  const file = path.join(run.paths.samples, "epoch-001.npy");
  assert.equal((decodeNpy(fs.readFileSync(file), file).data as Float32Array)[0], 0.75);
  assert.ok(fs.existsSync(path.join(run.paths.samples, SNAPSHOT_RANGE_MARK)));
  assert.equal(run.snapshots()[0].images[0], 0.75);
});

Deno.test("timing adds up over calls, and a directory that is no run says so", () => {
  const run = tmpRun();
  assert.equal(run.stats(), null);
  assert.throws(() => run.config(), /no config\.json; is it a run directory\?/);
  assert.throws(() => run.loadGenerator(), /no checkpoint .*'deno task train'/);
  run.begin(defaultTrainConfig("dcgan"));
  run.addTiming({
    steps: 10,
    seconds: 3,
    backend: "cpu",
    precision: "fp32",
    stepsPerEpoch: 938,
    trainImages: 60000,
    command: "deno task train --model dcgan --steps 10",
  });
  const stats = run.addTiming({
    steps: 30,
    seconds: 5,
    backend: "wasm",
    precision: "bf16",
    stepsPerEpoch: 938,
    trainImages: 60000,
  });
  assert.deepEqual([stats.steps, stats.seconds, stats.sPerStep, stats.backend, stats.precision], [
    40,
    8,
    0.2,
    "wasm",
    "bf16",
  ]);
  assert.deepEqual(run.stats(), stats);
  assert.deepEqual(stats.commands, ["deno task train --model dcgan --steps 10"]);
  assert.ok(Date.now() - Date.parse(stats.date) < 60_000);
  assert.equal(run.config().model.kind, "dcgan");
});
