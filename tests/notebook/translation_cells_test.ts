/** Notebook 05's translation figures and table on a tiny dataset and an untrained pair. */
import assert from "node:assert/strict";
import { decode } from "fast-png";
import {
  defaultJudgeConfig,
  defaultTranslatorConfig,
  initBackend,
  Judge,
  judgeReadsAsClass,
  translationFailuresFigure,
  translationFigure,
  translationRows,
  type TranslationScores,
  Translator,
} from "../../lib/mod.ts";
import { loadTinyDataset } from "../_support/tiny_dataset.ts";

await initBackend({ backend: "wasm" });
// labels are i % 10: 4 test images per class
const data = await loadTinyDataset({ trainCount: 40, testCount: 40 });
const judge = new Judge({ ...defaultJudgeConfig(), channels: [4, 8], featureDim: 8 });
const pair = () => Translator.create({ ...defaultTranslatorConfig(), ngf: 4, ndf: 4 }, 7, 9);
const size = (png: Uint8Array) => {
  const image = decode(png);
  return [image.width, image.height];
};

Deno.test("the translation figure stacks sources, translations and the way back", async () => {
  const t = pair();
  const [w, h] = size(await translationFigure(t, data, { direction: "BA", count: 4 }));
  // 4 tiles of 56 px (2x) across, 3 rows down, plus labels and a title
  assert.ok(w > 4 * 56 && h > 3 * 56 && h < 5 * 56, `${w}x${h}`);
  t.dispose();
});

Deno.test("the failure figure shows the pool's worst translations, at most count", async () => {
  const t = pair();
  const [w, h] = size(
    await translationFailuresFigure(t, judge, data, { direction: "AB", count: 3 }),
  );
  assert.ok(w > 3 * 56 && h > 2 * 56 && h < 4 * 56, `${w}x${h}`); // two rows; the title sets the width
  t.dispose();
});

Deno.test("a pair's scores become rows per direction and method", () => {
  const s = (success: number): TranslationScores => ({
    n: 10,
    success,
    fid: 12.3456,
    styleKept: 0.5,
    silhouetteKept: 0.6,
    convertedStyleKept: 0.41234,
    convertedSilhouetteKept: 0.45,
    cycleError: null,
  });
  const rows = translationRows(
    {
      AB: { cyclegan: { ...s(0.95), cycleError: 0.05 }, nearestTrainingImage: s(0.5) },
      BA: {
        cyclegan: s(0.9),
        nearestTrainingImage: s(0.4),
        latentEdit: { strength: 2, cyclegan: s(0.9), edit: s(0.8) },
      },
    },
    7,
    9,
  );
  assert.deepEqual(rows.map((r) => [r.direction, r.method, r.success]), [
    ["Sneaker -> Ankle boot", "CycleGAN", "95.0%"],
    ["Sneaker -> Ankle boot", "nearest training image", "50.0%"],
    ["Ankle boot -> Sneaker", "CycleGAN", "90.0%"],
    ["Ankle boot -> Sneaker", "nearest training image", "40.0%"],
    ["Ankle boot -> Sneaker", "CycleGAN (the latent edit's sources)", "90.0%"],
    ["Ankle boot -> Sneaker", "latent edit (s = 2)", "80.0%"],
  ]);
  assert.equal(rows[0]["cycle error"], 0.05);
  assert.equal(rows[1]["cycle error"], "-");
  assert.equal(rows[0]["style kept, converted"], 0.412);
  assert.equal(rows[0]["outline kept, converted"], 0.45);
});

Deno.test("scores recorded before 'kept while converted' existed show a dash there", () => {
  const old = {
    n: 10,
    success: 0.9,
    fid: 1,
    styleKept: 0.5,
    silhouetteKept: 0.6,
    cycleError: null,
  } as unknown as TranslationScores;
  const [row] = translationRows({ AB: { cyclegan: old, nearestTrainingImage: old } }, 7, 9);
  assert.equal(row["style kept, converted"], "-");
  assert.equal(row["outline kept, converted"], "-");
  assert.equal(row["style kept"], 0.5);
});

Deno.test("the judge's reading of real target images becomes a last row per direction", () => {
  const s: TranslationScores = {
    n: 10,
    success: 0.7,
    fid: 1,
    styleKept: 0.5,
    silhouetteKept: 0.6,
    convertedStyleKept: 0.4,
    convertedSilhouetteKept: 0.45,
    cycleError: null,
  };
  const rows = translationRows(
    { AB: { cyclegan: s, nearestTrainingImage: s } },
    0,
    6,
    { realSuccess: { AB: { n: 1000, success: 0.762 } } },
  );
  assert.deepEqual(rows.at(-1), {
    direction: "T-shirt/top -> Shirt",
    method: "real test Shirt images (the judge's ceiling)",
    images: 1000,
    success: "76.2%",
    FID: "-",
    "style kept": "-",
    "outline kept": "-",
    "style kept, converted": "-",
    "outline kept, converted": "-",
    "cycle error": "-",
  });
});

Deno.test("the judge's reading of a class counts the test images of that class only", async () => {
  const { n, success } = await judgeReadsAsClass(judge, data, 3);
  assert.equal(n, 4); // labels are i % 10 over 40 test images
  assert.ok(success >= 0 && success <= 1 && Number.isInteger(success * n), `${success}`);
});
