/**
 * The pool of past generated images that CycleGAN's discriminators learn from (Shrivastava et
 * al. 2017; Zhu et al. 2017, section 4: 50 images): D sees a mix of G's newest images and older
 * ones, which damps the oscillation of the two players.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random.ts";

const PIXELS = 28 * 28;

/** Past generated images, up to `capacity`. Plain arrays: no tensor outlives a step. */
export class ImagePool {
  #stored: Float32Array[] = [];

  /** A pool of `capacity` images (0: a pass-through). */
  constructor(readonly capacity: number) {}

  /** Images held now. */
  get size(): number {
    return this.#stored.length;
  }

  /**
   * D's batch for G's newest images `fakes` `[b, 28, 28, 1]`: while the pool has room each image
   * is stored and returned as is; once full, each is, with probability 1/2, swapped for a random
   * stored one (which it replaces), else returned as is. Draws come from `rng`, so a resumed
   * run draws the same. Returns a new tensor (the caller's), `fakes` untouched.
   */
  async query(fakes: tf.Tensor4D, rng: Rng): Promise<tf.Tensor4D> {
    if (this.capacity === 0) return tf.clone(fakes);
    const values = await fakes.data() as Float32Array;
    const b = fakes.shape[0], out = new Float32Array(values.length);
    for (let i = 0; i < b; i++) {
      const image = values.slice(i * PIXELS, (i + 1) * PIXELS);
      if (this.#stored.length < this.capacity) {
        this.#stored.push(image);
        out.set(image, i * PIXELS);
      } else if (rng.next() > 0.5) {
        const k = Math.min(this.capacity - 1, Math.floor(rng.next() * this.capacity));
        out.set(this.#stored[k], i * PIXELS);
        this.#stored[k] = image;
      } else {
        out.set(image, i * PIXELS);
      }
    }
    return tf.tensor4d(out, fakes.shape);
  }

  /** The stored images, `[size * 784]`, for a checkpoint. */
  state(): Float32Array {
    const out = new Float32Array(this.#stored.length * PIXELS);
    this.#stored.forEach((s, i) => out.set(s, i * PIXELS));
    return out;
  }

  /** Restores what {@link ImagePool.state} saved. */
  restore(state: Float32Array): void {
    const n = state.length / PIXELS;
    if (!Number.isInteger(n) || n > this.capacity) {
      throw new Error(`image pool: ${state.length} values are not up to ${this.capacity} images`);
    }
    this.#stored = Array.from({ length: n }, (_, i) => state.slice(i * PIXELS, (i + 1) * PIXELS));
  }
}
