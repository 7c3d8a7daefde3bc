import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  earlyMiddleLate,
  ensureRun,
  evolutionFigure,
  evolutionGif,
  initBackend,
  profileConfig,
  profileFromEnv,
  RunDir,
  type SampleSnapshot,
} from "../../lib/mod.ts";
import { killTestConfig, smallConfig } from "../_support/small_config.ts";
import { loadTinyDataset } from "../_support/tiny_dataset.ts";

await initBackend({ backend: "wasm" });
const { train } = await loadTinyDataset({ trainCount: 40 });

Deno.test("profiles shorten training but keep the report's hyper-parameters", () => {
  const full = profileConfig("dcgan", "full"), quick = profileConfig("dcgan", "quick");
  assert.equal(full.epochs, 50);
  assert.equal(full.maxSteps, null);
  assert.equal(quick.maxSteps, 400);
  assert.equal(profileConfig("mlp", "smoke").maxSteps, 20);
  for (const c of [quick, profileConfig("mlp", "smoke")]) {
    assert.deepEqual([c.lrD, c.beta1, c.realLabel, c.fakeLabel, c.gEvery, c.batchSize], [
      2e-4,
      0.5,
      0.9,
      0.1,
      2,
      64,
    ]);
  }
});

Deno.test("the first cell's profile is used unless GAN_PROFILE is set, which wins", () => {
  const before = Deno.env.get("GAN_PROFILE");
  try {
    Deno.env.delete("GAN_PROFILE");
    assert.equal(profileFromEnv(), "pretrained");
    assert.equal(profileFromEnv("quick"), "quick");
    Deno.env.set("GAN_PROFILE", "smoke");
    assert.equal(profileFromEnv("quick"), "smoke");
  } finally {
    if (before === undefined) Deno.env.delete("GAN_PROFILE");
    else Deno.env.set("GAN_PROFILE", before);
  }
  for (const kind of ["mlp", "dcgan"] as const) {
    assert.ok(profileConfig(kind, "quick").checkpointEvery > 0, `${kind} quick checkpoints`);
  }
});

Deno.test("ensureRun trains once, then reuses the finished run", async () => {
  const dir = path.join(fs.mkdtempSync("/tmp/nb-"), "mlp");
  const config = smallConfig("mlp", { epochs: 1, sampleEverySteps: 2 });
  const first = await ensureRun({ dir, config, train });
  assert.equal(first.reused, false);
  assert.equal(first.run.history().length, 5);
  const timing = first.run.stats();
  assert.ok(timing && timing.steps === 5 && timing.sPerStep > 0);
  const second = await ensureRun({ dir, config, train });
  assert.equal(second.reused, true);
  assert.deepEqual(second.run.history(), first.run.history());
});

Deno.test("ensureRun resumes an unfinished run and moves a different one aside", async () => {
  const parent = fs.mkdtempSync("/tmp/nb-"), dir = path.join(parent, "run");
  await ensureRun({ dir, config: smallConfig("mlp", { epochs: 1, maxSteps: 3 }), train });
  const resumed = await ensureRun({
    dir,
    config: smallConfig("mlp", { epochs: 1, maxSteps: 3 }),
    train,
  });
  assert.equal(resumed.reused, true);
  const longer = await ensureRun({
    dir,
    config: smallConfig("mlp", { epochs: 2, maxSteps: 3 }),
    train,
  });
  assert.equal(longer.reused, false, "another config is a new run");
  assert.ok(
    fs.readdirSync(parent).some((n) => n.startsWith("run.old-")),
    "the old run was kept aside",
  );
  assert.equal(new RunDir(dir).history().length, 3);
});

Deno.test("a training cell killed mid-run (the kernel's stop button) resumes to the same losses", async () => {
  const whole = path.join(fs.mkdtempSync("/tmp/nb-"), "run");
  await ensureRun({ dir: whole, config: killTestConfig(), train });
  const dir = path.join(fs.mkdtempSync("/tmp/nb-"), "run");
  const fixture = path.join(import.meta.dirname!, "testdata", "ensure_run_fixture.ts");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", fixture, dir],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const checkpoint = path.join(dir, "checkpoint.ckpt"), t0 = Date.now();
  while (!fs.existsSync(checkpoint)) {
    assert.ok(Date.now() - t0 < 120_000, "the child wrote no checkpoint in two minutes");
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill("SIGKILL");
  await child.status;
  const killedAt = new RunDir(dir).loadCheckpoint().meta.step;
  assert.ok(killedAt < 100, `the child finished (${killedAt} steps) before it was killed`);
  const again = await ensureRun({ dir, config: killTestConfig(), train });
  assert.equal(again.reused, false);
  assert.deepEqual(new RunDir(dir).history(), new RunDir(whole).history());
});

Deno.test("snapshots are listed in training order and drawn as a figure and a GIF", async () => {
  const dir = path.join(fs.mkdtempSync("/tmp/nb-"), "dcgan");
  const { run } = await ensureRun({
    dir,
    config: smallConfig("dcgan", { epochs: 2, sampleEverySteps: 2 }),
    train,
  });
  const snaps = run.snapshots();
  assert.deepEqual(snaps.map((s) => s.label), [
    "step 2",
    "step 4",
    "epoch 1",
    "step 6",
    "step 8",
    "epoch 2",
  ]);
  assert.deepEqual(earlyMiddleLate(snaps).map((s) => s.label), ["step 2", "epoch 1", "epoch 2"]);
  const png = evolutionFigure(earlyMiddleLate(snaps), 4, "t");
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const gif = evolutionGif(snaps);
  assert.equal(new TextDecoder().decode(gif.subarray(0, 6)), "GIF89a");
  assert.throws(() => evolutionFigure([] as SampleSnapshot[]), /no sample snapshots/);
});
