import assert from "node:assert/strict";
import { classCounts, firstOfEachClass, pixelStatistics, type Split } from "../../lib/mod.ts";

/** Six 28x28 images: labels 0,1,2,0,1,2; image i is all i * 10 except pixel 0 (0). */
function split(): Split {
  const labels = Uint8Array.from([0, 1, 2, 0, 1, 2]);
  const images = new Uint8Array(6 * 784);
  for (let i = 0; i < 6; i++) images.fill(i * 10, i * 784 + 1, (i + 1) * 784);
  return { images, labels, count: 6 };
}

Deno.test("class counts and the first images of each class", () => {
  assert.deepEqual(classCounts(split(), 3), [2, 2, 2]);
  assert.deepEqual(firstOfEachClass(split(), 3, 2), [0, 3, 1, 4, 2, 5]);
  assert.throws(() => firstOfEachClass(split(), 3, 3), /class 0 has 2 images, fewer than 3/);
});

Deno.test("pixel statistics: mean, spread, background share, histogram and class means", () => {
  const s = pixelStatistics(split(), 3);
  const values = Array.from(split().images);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  assert.ok(Math.abs(s.mean - mean / 255) < 1e-12);
  assert.ok(Math.abs(s.std - std / 255) < 1e-9);
  // image 0 is all zeros; every other image has one zero pixel
  assert.ok(Math.abs(s.zeroShare - (784 + 5) / (6 * 784)) < 1e-12);
  assert.ok(Math.abs(s.histogram.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(Math.abs(s.histogram[50] - 783 / (6 * 784)) < 1e-12);
  // class 0 holds images 0 and 3: mean (0 + 30 * 783 / 784) / 2 of 255
  assert.ok(Math.abs(s.classMeans[0] - (30 * 783 / 784) / 2 / 255) < 1e-12);
});
