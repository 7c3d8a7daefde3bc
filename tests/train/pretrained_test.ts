import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  decodeNpy,
  describePretrained,
  exportPretrained,
  geometricPicks,
  initBackend,
  listPretrained,
  manifestOf,
  openPretrained,
  OptionError,
  PRETRAINED_DIR,
  readManifest,
  recordPretrainedScores,
  RunDir,
  trainRun,
} from "../../lib/mod.ts";
import { smallConfig } from "../_support/small_config.ts";
import { loadTinyDataset } from "../_support/tiny_dataset.ts";

await initBackend({ backend: "wasm" });
const { train } = await loadTinyDataset({ trainCount: 40 });

/** A finished 2-epoch run (EMA on) and an empty root for shipped models. */
async function finishedRun(): Promise<{ run: RunDir; root: string }> {
  const base = fs.mkdtempSync("/tmp/pretrained-");
  const run = new RunDir(path.join(base, "run"));
  const config = smallConfig("dcgan", { epochs: 2, emaDecay: 0.5 });
  await trainRun({ outDir: run.dir, config, train, command: "deno task train --model dcgan" });
  return { run, root: path.join(base, "assets") };
}

Deno.test("an exported model holds the generator alone and redraws the run's figures", async () => {
  const { run, root } = await finishedRun();
  const manifest = await exportPretrained(run, { name: "tiny", label: "tiny DCGAN", root });
  assert.deepEqual(listPretrained(root), ["tiny"]);
  assert.deepEqual(fs.readdirSync(path.join(root, "tiny")).sort(), [
    "config.json",
    "generator.ckpt",
    "history.jsonl.gz",
    "model.json",
    "run.json",
    "samples",
  ]);
  assert.deepEqual([manifest.steps, manifest.epochs, manifest.model], [10, 2, "dcgan"]);
  assert.deepEqual(manifest.commands, ["deno task train --model dcgan"]);
  assert.equal(manifest.generator.float16, true);

  const shipped = openPretrained("tiny", root).run;
  // the gzipped history has every step, each loss to 4 significant digits
  const [shippedHistory, history] = [shipped.history(), run.history()];
  assert.deepEqual(shippedHistory.map((r) => r.step), history.map((r) => r.step));
  shippedHistory.forEach((r, i) => {
    assert.ok(Math.abs(r.dLoss - history[i].dLoss) <= 5e-4 * Math.abs(history[i].dLoss));
    assert.equal(r.gLoss === null, history[i].gLoss === null);
  });
  assert.deepEqual(shipped.config(), run.config());
  assert.equal(shipped.stepsPerEpoch(), 5);
  const [ours, theirs] = [shipped.snapshots(), run.snapshots()];
  assert.deepEqual(ours.map((s) => s.label), theirs.map((s) => s.label));
  const grid = decodeNpy(
    fs.readFileSync(path.join(shipped.paths.samples, "epoch-002.npy")),
    "grid",
  );
  assert.equal(grid.dtype, "|u1", "snapshots ship as bytes");
  for (let i = 0; i < ours[1].images.length; i += 53) {
    assert.ok(Math.abs(ours[1].images[i] - theirs[1].images[i]) <= 0.5 / 255 + 1e-6);
  }

  // the float16 generator draws what the float32 one does, to half precision
  const a = shipped.loadGenerator(), b = run.loadGenerator();
  assert.ok(a.ema && b.ema, "the EMA copy is shipped");
  assert.equal(a.step, 10);
  const before = tf.memory().numTensors;
  const x = await a.sample(8), y = await b.sample(8);
  assert.equal(tf.memory().numTensors, before);
  const worst = x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
  assert.ok(worst < 0.02, `float16 moved a pixel by ${worst}`);
  a.dispose();
  b.dispose();
});

Deno.test("a shipped model's generator is checked against its SHA-256 before use", async () => {
  const { run, root } = await finishedRun();
  await exportPretrained(run, { name: "tiny", label: "tiny", root });
  const file = path.join(root, "tiny", "generator.ckpt");
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 1] ^= 1;
  fs.writeFileSync(file, bytes);
  assert.throws(
    () => openPretrained("tiny", root),
    /generator\.ckpt: SHA-256 [0-9a-f]{64} does not match/,
  );
});

Deno.test("an unknown shipped model is an option error listing the ones there are", async () => {
  const { run, root } = await finishedRun();
  await exportPretrained(run, { name: "tiny", label: "tiny", root });
  for (const name of ["nope", "../tiny", "/etc"]) {
    const err = assert.throws(() => openPretrained(name, root), OptionError);
    void err;
  }
  assert.throws(
    () => openPretrained("nope", root),
    /no pretrained model 'nope' .*expected one of tiny/,
  );
});

Deno.test("a malformed model.json is an error naming the file and the field", () => {
  const dir = fs.mkdtempSync("/tmp/manifest-");
  const file = path.join(dir, "model.json");
  const good = JSON.parse(
    fs.readFileSync(path.join(PRETRAINED_DIR, "dcgan", "model.json"), "utf8"),
  );
  fs.writeFileSync(file, JSON.stringify(good));
  assert.equal(readManifest(file).name, "dcgan");
  fs.writeFileSync(file, JSON.stringify({ ...good, steps: "many" }));
  assert.throws(
    () => readManifest(file),
    new RegExp(`${file}: field 'steps' should be a number, got "many"`),
  );
  fs.writeFileSync(
    file,
    JSON.stringify({ ...good, generator: { ...good.generator, sha256: "x" } }),
  );
  assert.throws(
    () => readManifest(file),
    /field 'generator.sha256' should be 64 hex digits, got "x"/,
  );
  fs.writeFileSync(file, "{");
  assert.throws(() => readManifest(file), new RegExp(`${file}: not a readable JSON file`));
});

Deno.test("scores recorded in the manifest and the provenance line", async () => {
  const { run, root } = await finishedRun();
  await exportPretrained(run, { name: "tiny", label: "tiny DCGAN", root });
  const scores = {
    samples: 10,
    fid: 12.5,
    is: 3,
    precision: 0.5,
    recall: 0.4,
    classEntropy: 2,
    minClassShare: 0.05,
    meanConfidence: 0.8,
    classAccuracy: null,
    fidFloat32: 12.4,
    fidOtherSeed: 12.9,
  };
  recordPretrainedScores(path.join(root, "tiny"), scores);
  const { run: shipped, manifest } = openPretrained("tiny", root);
  assert.deepEqual(manifest.scores, scores);
  assert.deepEqual(manifestOf(shipped), manifest);
  assert.equal(manifestOf(run), null, "a training run has no manifest");
  assert.match(
    describePretrained(manifest),
    /^shipped model 'tiny' \(tiny DCGAN\): 10 steps \(2\.00 epochs\), trained \d{4}-\d\d-\d\d with `deno task train --model dcgan`, \d+\.\d{3} s\/step on .*float16, .* MiB, SHA-256 checked$/,
  );
});

Deno.test("shipped snapshots are spaced geometrically, dense early, first and last kept", () => {
  assert.deepEqual(geometricPicks(50, 9), [0, 1, 2, 3, 6, 11, 18, 30, 49]);
  assert.deepEqual(geometricPicks(20, 9), [0, 1, 2, 3, 4, 6, 8, 13, 19]);
  assert.deepEqual(geometricPicks(4, 9), [0, 1, 2, 3]);
});
