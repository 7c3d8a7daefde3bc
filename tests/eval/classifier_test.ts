import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  DEBIAN_DIR,
  DEFAULT_JUDGE_FILE,
  defaultJudgeConfig,
  ensureJudge,
  FILES,
  initBackend,
  Judge,
  judgeAccuracy,
  loadFashionMnist,
  loadJudge,
  saveJudge,
  splitImages,
  trainJudge,
  weightsHash,
} from "../../lib/mod.ts";
import { rejection } from "../_support/errors.ts";

await initBackend({ backend: "wasm" });

const haveReal = fs.existsSync(path.join(DEBIAN_DIR, `${FILES.trainImages.name}.gz`));
const tmp = () => fs.mkdtempSync("/tmp/judge-");
const small = { ...defaultJudgeConfig(), channels: [4, 8] as [number, number], featureDim: 16 };

Deno.test({
  name: "the judge maps images to 128-d features and class probabilities",
  async fn() {
    const judge = new Judge(defaultJudgeConfig());
    try {
      const images = new Float32Array(3 * 784).fill(0.5);
      const out = await judge.outputs(images, 2);
      assert.equal(out.n, 3);
      assert.equal(out.features.length, 3 * 128);
      assert.equal(out.probs.length, 3 * 10);
      for (let i = 0; i < 3; i++) {
        const sum = out.probs.subarray(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-5);
      }
      assert.ok(out.features.every((v) => v >= 0), "features are post-ReLU");
      await assert.rejects(() => judge.outputs(new Float32Array(700)), /not whole 28x28 images/);
    } finally {
      judge.dispose();
    }
  },
});

Deno.test({
  name: "judge training lowers the loss on real images and keeps the tensor count flat",
  ignore: !haveReal,
  async fn() {
    const { train } = await loadFashionMnist({ download: false });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const losses: number[] = [];
    const judge = await trainJudge(train, { ...small, batchSize: 64 }, {
      maxSteps: 40,
      progressEvery: 10,
      onProgress: (p) => (losses.push(p.loss), counts.push(tf.memory().numTensors)),
    });
    try {
      assert.equal(new Set(counts).size, 1, `tensor counts ${counts}`);
      assert.ok(losses.at(-1)! < losses[0], `losses ${losses}`);
    } finally {
      judge.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  },
});

Deno.test("a saved judge reloads with the same weights hash, and an altered one is refused", async () => {
  const file = path.join(tmp(), "judge.ckpt");
  const judge = new Judge(small);
  const meta = await saveJudge(file, judge, {
    testAccuracy: 0.5,
    trainSeconds: 1,
    backend: "wasm",
  });
  assert.equal(meta.weightsSha256, await weightsHash(judge));
  const loaded = await loadJudge(file);
  assert.equal(await weightsHash(loaded.judge), meta.weightsSha256);
  assert.deepEqual(loaded.meta, meta);
  loaded.judge.dispose();

  // a different judge's weights under the first one's record
  const other = new Judge({ ...small, seed: 1 });
  const file2 = path.join(tmp(), "judge.ckpt");
  await saveJudge(file2, other, { testAccuracy: 0.5, trainSeconds: 1, backend: "wasm" });
  const bytes = fs.readFileSync(file2);
  const at = new TextDecoder("latin1").decode(bytes).indexOf(await weightsHash(other));
  assert.ok(at > 0);
  bytes.set(new TextEncoder().encode(meta.weightsSha256), at);
  fs.writeFileSync(file2, bytes);
  await assert.rejects(() => loadJudge(file2), /weights hash .* differs from the recorded/);
  judge.dispose();
  other.dispose();
});

Deno.test("a GAN checkpoint is not mistaken for a judge", async () => {
  const file = path.join(tmp(), "x.ckpt");
  fs.writeFileSync(file, "FGANCKPT");
  await assert.rejects(() => loadJudge(file), /x\.ckpt: not a valid checkpoint/);
});

Deno.test({
  name: "ensureJudge trains, measures and saves a judge when none exists, then reloads it",
  ignore: !haveReal,
  async fn() {
    const file = path.join(tmp(), "j", "judge.ckpt");
    const full = await loadFashionMnist({ download: false });
    // a 256-image slice keeps this to a few seconds; accuracy is whatever 2 epochs give
    const slice = (s: typeof full.train, n: number) => ({
      ...s,
      count: n,
      images: s.images.subarray(0, n * 784),
      labels: s.labels.subarray(0, n),
    });
    const data = { ...full, train: slice(full.train, 256), test: slice(full.test, 200) };
    const first = await ensureJudge({
      file,
      data: () => Promise.resolve(data),
      config: { ...small, epochs: 2 },
    });
    assert.equal(first.trained, true);
    assert.ok(fs.existsSync(file));
    assert.equal(first.meta.testAccuracy, await judgeAccuracy(first.judge, data.test));
    const second = await ensureJudge({
      file,
      data: () => Promise.reject(new Error("must not load data")),
    });
    assert.equal(second.trained, false);
    assert.equal(second.meta.weightsSha256, first.meta.weightsSha256);
    first.judge.dispose();
    second.judge.dispose();
  },
});

Deno.test({
  name: "the shipped judge scores at least 92% on the 10,000 test images",
  ignore: !haveReal,
  async fn() {
    const { judge, meta } = await loadJudge(DEFAULT_JUDGE_FILE);
    try {
      const { test } = await loadFashionMnist({ download: false });
      const accuracy = await judgeAccuracy(judge, test);
      assert.ok(accuracy >= 0.92, `test accuracy ${accuracy}`);
      assert.ok(Math.abs(accuracy - meta.testAccuracy) < 1e-3, `recorded ${meta.testAccuracy}`);
      assert.equal(splitImages(test, 2).length, 2 * 784);
    } finally {
      judge.dispose();
    }
  },
});

Deno.test("loading a missing judge file names it", async () => {
  const err = await rejection(() =>
    ensureJudge({
      file: "/nonexistent/dir/judge.ckpt",
      data: () => Promise.reject(new Error("no data here")),
    })
  );
  assert.match(err.message, /no data here/);
  await assert.rejects(
    () => loadJudge("/nonexistent/judge.ckpt"),
    /\/nonexistent\/judge\.ckpt: cannot read/,
  );
});
