/**
 * What notebook 01 shows of the dataset, computed: images and labels per class, the first
 * examples of each class, and pixel statistics (mean, spread, the share of background, the
 * histogram of pixel values, the mean pixel per class).
 *
 * @module
 */
import { IMAGE_PIXELS, type Split } from "./fashion_mnist.ts";

/** Images per class of `split`, class index to count. */
export function classCounts(split: Split, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of split.labels) counts[label]++;
  return counts;
}

/**
 * Indices of the first `perClass` images of each class, class after class (`classes *
 * perClass` indices).
 *
 * @throws when a class has fewer than `perClass` images.
 */
export function firstOfEachClass(split: Split, classes: number, perClass: number): number[] {
  const found = Array.from({ length: classes }, () => [] as number[]);
  for (let i = 0; i < split.count; i++) {
    const list = found[split.labels[i]];
    if (list && list.length < perClass) list.push(i);
  }
  found.forEach((list, k) => {
    if (list.length < perClass) {
      throw new Error(`class ${k} has ${list.length} images, fewer than ${perClass}`);
    }
  });
  return found.flat();
}

/** Pixel statistics of a split (pixel values 0..255). */
export interface PixelStatistics {
  /** Mean pixel as a share of full scale (0..1). */
  mean: number;
  /** Standard deviation of the pixels, likewise. */
  std: number;
  /** Share of pixels that are 0 (background). */
  zeroShare: number;
  /** Share of the pixels at each value 0..255. */
  histogram: Float64Array;
  /** Mean pixel of each class's images, as a share of full scale. */
  classMeans: number[];
}

/** The pixel statistics of every image of `split`. */
export function pixelStatistics(split: Split, classes: number): PixelStatistics {
  const counts = new Float64Array(256);
  const classSums = new Float64Array(classes), classImages = new Float64Array(classes);
  let sum = 0, sumSq = 0;
  for (let i = 0; i < split.count; i++) {
    let imageSum = 0;
    for (let p = i * IMAGE_PIXELS; p < (i + 1) * IMAGE_PIXELS; p++) {
      const v = split.images[p];
      counts[v]++;
      imageSum += v;
      sumSq += v * v;
    }
    sum += imageSum;
    classSums[split.labels[i]] += imageSum;
    classImages[split.labels[i]]++;
  }
  const n = split.count * IMAGE_PIXELS;
  const mean = sum / n / 255;
  return {
    mean,
    std: Math.sqrt(sumSq / n / 255 ** 2 - mean ** 2),
    zeroShare: counts[0] / n,
    histogram: counts.map((c) => c / n),
    classMeans: Array.from(classSums, (s, k) => s / classImages[k] / IMAGE_PIXELS / 255),
  };
}
