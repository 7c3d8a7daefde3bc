import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  DEBIAN_DIR,
  DEFAULT_JUDGE_FILE,
  defaultModelConfig,
  FILES,
  Generator,
  initBackend,
  loadFashionMnist,
  loadJudge,
  QualityJudge,
} from "../../lib/mod.ts";

const ready = fs.existsSync(path.join(DEBIAN_DIR, `${FILES.trainImages.name}.gz`)) &&
  fs.existsSync(DEFAULT_JUDGE_FILE);

async function qualityJudge(): Promise<QualityJudge> {
  await initBackend({ backend: "wasm" });
  const data = await loadFashionMnist({ download: false });
  const { judge, meta } = await loadJudge(DEFAULT_JUDGE_FILE);
  return await QualityJudge.create(judge, meta, data, { k: 3, memorisationSamples: 200, seed: 0 });
}

const quality = ready ? await qualityJudge() : undefined;

Deno.test({
  name: "real training images score a FID near 0, far below an untrained generator's",
  ignore: !ready,
  async fn() {
    const floor = await quality!.realFloor(2000);
    const generator = Generator.create(defaultModelConfig("mlp"), 0);
    const untrained = await quality!.score(await generator.sample(2000));
    generator.dispose();
    // FID is biased upwards at small n: 1.6 for 2,000 real images, 0.4 for 10,000 (docs/metrics.md)
    assert.ok(floor.fid < 3, `floor FID ${floor.fid}`);
    assert.ok(untrained.fid > 100 * floor.fid, `untrained ${untrained.fid} vs floor ${floor.fid}`);
    assert.ok(floor.precision > 0.6 && floor.recall > 0.6, JSON.stringify(floor));
    assert.ok(floor.is > 7, `floor IS ${floor.is}`);
    assert.ok(floor.minClassShare > 0.07, `floor least class ${floor.minClassShare}`);
    // an untrained G draws near-identical grey images: no recall, no class spread. (Its
    // precision says nothing: all its samples fall together, inside or outside the real balls.)
    assert.ok(untrained.recall < 0.01, `untrained recall ${untrained.recall}`);
    assert.ok(untrained.classEntropy < 0.5, `untrained entropy ${untrained.classEntropy}`);
    assert.equal(floor.memorisation, null);
    assert.ok(floor.judgeAccuracy >= 0.92);
  },
});

Deno.test({
  name: "copies of training images are flagged by the memorisation check",
  ignore: !ready,
  async fn() {
    const train = quality!.data.train;
    const copies = Float32Array.from(train.images.subarray(0, 200 * 784), (v) => v / 255);
    const m = await quality!.memorisation(copies);
    assert.equal(m.samples, 200);
    assert.equal(m.medianToTrain, 0);
    assert.equal(m.closerThanTestP1, 1);
    assert.ok(m.testMedianToTrain > 1, `test-to-train median ${m.testMedianToTrain}`);
  },
});

Deno.test({
  name: "a set of a single class shows as lost modes in the class coverage",
  ignore: !ready,
  async fn() {
    const { test } = quality!.data;
    const idx: number[] = [];
    for (let i = 0; i < test.count && idx.length < 300; i++) if (test.labels[i] === 1) idx.push(i);
    const trousers = new Float32Array(idx.length * 784);
    idx.forEach((src, i) => {
      for (let p = 0; p < 784; p++) trousers[i * 784 + p] = test.images[src * 784 + p] / 255;
    });
    const s = await quality!.score(trousers);
    assert.ok(s.classShares[1] > 0.95, `trouser share ${s.classShares[1]}`);
    assert.ok(s.classEntropy < 0.3, `entropy ${s.classEntropy}`);
    assert.equal(s.minClassShare, 0);
    assert.ok(s.is < 1.5, `IS ${s.is}`);
    assert.ok(s.recall < 0.3, `recall ${s.recall}`);
  },
});
