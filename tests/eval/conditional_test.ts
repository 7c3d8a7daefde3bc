import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  conditionalAccuracy,
  DEBIAN_DIR,
  DEFAULT_JUDGE_FILE,
  FILES,
  initBackend,
  loadFashionMnist,
  loadJudge,
  splitImages,
} from "../../lib/mod.ts";

const ready = fs.existsSync(path.join(DEBIAN_DIR, `${FILES.trainImages.name}.gz`)) &&
  fs.existsSync(DEFAULT_JUDGE_FILE);

Deno.test({
  name: "conditional accuracy of real test images under their true classes is the judge's accuracy",
  ignore: !ready,
  async fn() {
    await initBackend({ backend: "wasm" });
    const { test } = await loadFashionMnist({ download: false });
    const { judge } = await loadJudge(DEFAULT_JUDGE_FILE);
    const images = splitImages(test, 1000);
    const truth = test.labels.subarray(0, 1000);
    const right = await conditionalAccuracy(judge, images, truth);
    assert.ok(right.accuracy > 0.9, `${right.accuracy}`);
    assert.equal(right.perClass.length, 10);
    // asking every image to be class (c + 1) % 10 makes almost all of them wrong
    const wrong = await conditionalAccuracy(judge, images, Array.from(truth, (c) => (c + 1) % 10));
    assert.ok(wrong.accuracy < 0.1, `${wrong.accuracy}`);
    await assert.rejects(
      () => conditionalAccuracy(judge, images, [1, 2]),
      /1000 images but 2 classes/,
    );
    judge.dispose();
  },
});
