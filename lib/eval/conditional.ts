/**
 * Does a class-conditional generator draw the class it is asked for? The judge classifies
 * each generated image; the accuracy is the share whose predicted class is the requested one.
 *
 * @module
 */
import { argMax, type Judge } from "./classifier.ts";

/** The judge's agreement with the requested classes. */
export interface ClassAccuracy {
  /** Share of images the judge assigns to their requested class. */
  accuracy: number;
  /** The same per requested class (NaN for a class never requested). */
  perClass: number[];
  /** Images checked. */
  n: number;
}

/**
 * Accuracy of the judge's predictions on `images` (`[n, 28, 28]` in [0, 1], flat) against the
 * classes they were generated for, `classes[i]` in 0..9.
 */
export async function conditionalAccuracy(
  judge: Judge,
  images: Float32Array,
  classes: ArrayLike<number>,
): Promise<ClassAccuracy> {
  const out = await judge.outputs(images);
  if (classes.length !== out.n) {
    throw new Error(`conditionalAccuracy: ${out.n} images but ${classes.length} classes`);
  }
  const hits = new Array<number>(10).fill(0), asked = new Array<number>(10).fill(0);
  let correct = 0;
  for (let i = 0; i < out.n; i++) {
    const c = classes[i];
    asked[c]++;
    if (argMax(out.probs, i * 10, 10) === c) (hits[c]++, correct++);
  }
  return { accuracy: correct / out.n, perClass: hits.map((h, c) => h / asked[c]), n: out.n };
}
