/**
 * How good a translation of images from class A to class B is, by the judge (issue 25):
 *
 * - **success**: the share of translated images the judge reads as class B;
 * - **realism**: FID of the translated images against the real test images of class B;
 * - **content kept**, two ways, because "it is still that image" has no single number:
 *   - *style kept* in the judge's feature space: the cosine between what sets the source apart
 *     from the average A image, phi(x) - mu_A, and what sets its translation apart from the
 *     average B image, phi(T(x)) - mu_B. Class identity is in the means; what is left is the
 *     image's own style (thickness, brightness, shape within its class). A translator that keeps
 *     it scores near the top; one that draws an unrelated B image scores about 0 (the floor,
 *     measured with random real B images);
 *   - *silhouette kept* in pixels: the intersection over union of x's and T(x)'s masks (pixels
 *     above 0.2), where the garment is. Garments of two classes differ in shape, so this is
 *     never 1; it says how much of the outline and placement survives;
 *   - and, where the translator has an inverse, the *cycle error* mean |F(T(x)) - x|.
 * - **content kept while reaching the target class** (style and outline, "converted"): the two
 *   content measures above with every translation the judge does not read as class B scored as
 *   a random real B image scores (image i against real B image i mod m: the floor). Content kept
 *   by a translation that is not a B says nothing about translation, and a baseline that keeps
 *   the source by failing to change its class (the nearest training image reaches B 45-84% of
 *   the time on the shipped pairs) should not win by it. A translator that always succeeds
 *   scores its plain content measures; one that never does scores the floor.
 *
 * Images are `[n, 28, 28]` in [0, 1], flat, as everywhere in the project.
 *
 * @module
 */
import { argMax, type Judge } from "./classifier.ts";
import { fitGaussian, frechetDistance } from "./metrics.ts";

/** The inputs of {@link translationScores}. */
export interface TranslationInput {
  /** Source images of class `from`. */
  sources: Float32Array;
  /** Their translations, image i of `sources` to image i here. */
  translated: Float32Array;
  /** Real images of class `to` (the test split's): FID's reference and the style floor. */
  targetReal: Float32Array;
  /** The class translated from. */
  from: number;
  /** The class translated to. */
  to: number;
  /** The translations translated back, where the translator has an inverse. */
  reconstructed?: Float32Array;
}

/** The scores of one translator on one direction. */
export interface TranslationScores {
  /** Images scored. */
  n: number;
  /** Share the judge reads as the target class. */
  success: number;
  /** FID against the real target-class images. */
  fid: number;
  /** Mean cosine of the within-class feature deviations of x and T(x) (1: all style kept). */
  styleKept: number;
  /** Mean IoU of the silhouettes (pixels > 0.2) of x and T(x). */
  silhouetteKept: number;
  /**
   * Style kept while reaching the target class: `styleKept` per image where the judge reads
   * T(x) as the target, a random real target image's where it does not (module documentation).
   * Absent from scores recorded before it existed.
   */
  convertedStyleKept: number;
  /** Outline kept while reaching the target class, likewise from `silhouetteKept`. */
  convertedSilhouetteKept: number;
  /** Mean |F(T(x)) - x|, when `reconstructed` was given; else null. */
  cycleError: number | null;
}

/** Silhouette threshold: a pixel above it is garment. */
const MASK_THRESHOLD = 0.2;

/** Scores a translation (see the module documentation). */
export async function translationScores(
  judge: Judge,
  input: TranslationInput,
): Promise<TranslationScores> {
  const { sources, translated, targetReal, to, reconstructed } = input;
  if (sources.length !== translated.length || sources.length % 784 !== 0) {
    throw new Error(
      `translationScores: ${sources.length} source and ${translated.length} translated values are not equal sets of 28x28 images`,
    );
  }
  const n = sources.length / 784;
  const [src, out, real] = [
    await judge.outputs(sources),
    await judge.outputs(translated),
    await judge.outputs(targetReal),
  ];
  const m = targetReal.length / 784;
  if (m === 0 || !Number.isInteger(m)) {
    throw new Error(
      `translationScores: targetReal holds ${targetReal.length} values, not 28x28 images`,
    );
  }
  const d = out.featureDim;
  const muA = meanRow(src.features, d), muB = meanRow(real.features, d);
  let hits = 0, style = 0, iou = 0, convertedStyle = 0, convertedIou = 0;
  for (let i = 0; i < n; i++) {
    const hit = argMax(out.probs, i * 10, 10) === to;
    const s = cosine(src.features, out.features, i * d, i * d, { d, muA, muB });
    const u = silhouetteIou(sources, i, translated, i);
    hits += hit ? 1 : 0;
    style += s;
    iou += u;
    // a failed translation is worth what a random real target image is: real image i mod m
    const j = i % m;
    convertedStyle += hit ? s : cosine(src.features, real.features, i * d, j * d, { d, muA, muB });
    convertedIou += hit ? u : silhouetteIou(sources, i, targetReal, j);
  }
  let cycleError: number | null = null;
  if (reconstructed) {
    let s = 0;
    for (let k = 0; k < sources.length; k++) s += Math.abs(reconstructed[k] - sources[k]);
    cycleError = s / sources.length;
  }
  return {
    n,
    success: hits / n,
    fid: frechetDistance(fitGaussian(out.features, d), fitGaussian(real.features, d)),
    styleKept: style / n,
    silhouetteKept: iou / n,
    convertedStyleKept: convertedStyle / n,
    convertedSilhouetteKept: convertedIou / n,
    cycleError,
  };
}

function meanRow(rows: Float32Array, d: number): Float64Array {
  const mu = new Float64Array(d), n = rows.length / d;
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mu[k] += rows[i * d + k] / n;
  return mu;
}

/** cos(a_i - muA, b_j - muB) for the rows at `offsetA` and `offsetB` of two feature sets. */
function cosine(
  a: Float32Array,
  b: Float32Array,
  offsetA: number,
  offsetB: number,
  space: { d: number; muA: Float64Array; muB: Float64Array },
): number {
  const { d, muA, muB } = space;
  let dot = 0, na = 0, nb = 0;
  for (let k = 0; k < d; k++) {
    const x = a[offsetA + k] - muA[k], y = b[offsetB + k] - muB[k];
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** IoU of the silhouettes of image i of `a` and image j of `b`. */
function silhouetteIou(a: Float32Array, i: number, b: Float32Array, j: number): number {
  let inter = 0, union = 0;
  for (let p = 0; p < 784; p++) {
    const x = a[i * 784 + p] > MASK_THRESHOLD, y = b[j * 784 + p] > MASK_THRESHOLD;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}
