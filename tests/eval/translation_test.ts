import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  classSplit,
  DEBIAN_DIR,
  DEFAULT_JUDGE_FILE,
  FILES,
  initBackend,
  loadFashionMnist,
  loadJudge,
  translationScores,
} from "../../lib/mod.ts";

const ready = fs.existsSync(path.join(DEBIAN_DIR, `${FILES.trainImages.name}.gz`)) &&
  fs.existsSync(DEFAULT_JUDGE_FILE);

Deno.test({
  name:
    "translation scores: the identity keeps every outline but reaches the target class almost " +
    "never, so kept while converted it scores a random boot's floor; real boots reach it and " +
    "keep no style" +
    (ready ? "" : " (skipped: needs Fashion-MNIST and the judge)"),
  ignore: !ready,
  async fn() {
    await initBackend({ backend: "wasm" });
    const data = await loadFashionMnist({ download: false });
    const { judge } = await loadJudge(DEFAULT_JUDGE_FILE);
    const images = (c: number, from: number, n: number) =>
      Float32Array.from(
        classSplit(data.test, c).images.subarray(from * 784, (from + n) * 784),
        (v) => v / 255,
      );
    const sneakers = images(7, 0, 300), boots = images(9, 0, 300), otherBoots = images(9, 300, 300);
    const base = { sources: sneakers, targetReal: otherBoots, from: 7, to: 9 };
    const same = await translationScores(judge, {
      ...base,
      translated: sneakers,
      reconstructed: sneakers,
    });
    assert.ok(same.success < 0.05, `identity success ${same.success}`);
    assert.equal(same.silhouetteKept, 1);
    assert.equal(same.cycleError, 0);
    const random = await translationScores(judge, { ...base, translated: boots });
    assert.ok(random.success > 0.9, `real boots success ${random.success}`);
    assert.ok(Math.abs(random.styleKept) < 0.15, `unrelated boots keep style ${random.styleKept}`);
    // the identity fails (almost) always: its converted content is the random-boot floor
    assert.ok(Math.abs(same.convertedStyleKept) < 0.15, `${same.convertedStyleKept}`);
    assert.ok(
      Math.abs(same.convertedSilhouetteKept - random.silhouetteKept) < 0.1,
      `identity ${same.convertedSilhouetteKept} vs random boots ${random.silhouetteKept}`,
    );
    assert.ok(same.convertedSilhouetteKept < 0.9 * same.silhouetteKept);
    // real boots succeed (almost) always: converted is (almost) their plain measure
    assert.ok(Math.abs(random.convertedSilhouetteKept - random.silhouetteKept) < 0.05);
    assert.ok(random.fid < same.fid, `${random.fid} vs ${same.fid}`);
    assert.equal(random.cycleError, null);
    await assert.rejects(
      () => translationScores(judge, { ...base, translated: boots.subarray(784) }),
      /not equal sets of 28x28 images/,
    );
    judge.dispose();
  },
});
