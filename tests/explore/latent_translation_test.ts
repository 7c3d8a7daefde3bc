import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  argMax,
  classLatents,
  classSplit,
  DEBIAN_DIR,
  DEFAULT_JUDGE_FILE,
  FILES,
  initBackend,
  latentEditTranslations,
  loadFashionMnist,
  loadJudge,
  openPretrained,
  PRETRAINED_DIR,
} from "../../lib/mod.ts";

const ready = fs.existsSync(path.join(DEBIAN_DIR, `${FILES.trainImages.name}.gz`)) &&
  fs.existsSync(DEFAULT_JUDGE_FILE) && fs.existsSync(path.join(PRETRAINED_DIR, "dcgan"));

Deno.test({
  name:
    "the latent edit moves projected test sneakers towards ankle boots, as the judge reads them" +
    (ready ? "" : " (skipped: needs Fashion-MNIST, the judge and the shipped dcgan)"),
  ignore: !ready,
  async fn() {
    await initBackend({ backend: "wasm" });
    const data = await loadFashionMnist({ download: false });
    const { judge } = await loadJudge(DEFAULT_JUDGE_FILE);
    const generator = openPretrained("dcgan").run.loadGenerator();
    try {
      const sneakers = Float32Array.from(
        classSplit(data.test, 7).images.subarray(0, 4 * 784),
        (v) => v / 255,
      );
      const latents = await classLatents(generator, judge, { samples: 1000 });
      const options = { from: 7, to: 9, latents, projectionSteps: 40 };
      const boots = async (strength: number) => {
        const r = await latentEditTranslations(generator, judge, sneakers, {
          ...options,
          strength,
        });
        assert.equal(r.images.length, 4 * 784);
        const { probs } = await judge.outputs(r.images);
        return [0, 1, 2, 3].filter((i) => argMax(probs, i * 10, 10) === 9).length;
      };
      const [none, far] = [await boots(0), await boots(3)];
      assert.ok(far > none && far >= 3, `boots at strength 0: ${none}, at 3: ${far} of 4`);
    } finally {
      generator.dispose();
      judge.dispose();
    }
  },
});
