/**
 * Projection of a real image into a generator's latent space (the report's section 5.3 names
 * image editing as future work; editing a real image starts here): find z whose G(z) is closest
 * to the image, by gradient descent on z through the frozen G (evaluation mode), from several
 * seeded starts at once. How close it gets, set against the nearest training image, says how
 * well the generator covers real data. Runs on any tfjs backend, a browser's included.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { readTidyAsync } from "../backend/read_tidy.ts";
import type { Generator } from "../models/generator.ts";
import { Rng } from "../random.ts";

/** Options of {@link projectImage}. */
export interface ProjectionOptions {
  /** Adam steps. Default 300. */
  steps?: number;
  /** Adam's learning rate on z. Default 0.05. */
  learningRate?: number;
  /** Starting points optimised together; the best one wins. Default 4. */
  starts?: number;
  /** Seed of the starting points. Default 0. */
  seed?: number;
  /**
   * Weight of the prior term mean((|z|² / zDim - 1)²), which keeps z where Gaussian latents live
   * (an unconstrained z can reach images G never draws from typical noise). Default 0.01.
   */
  priorWeight?: number;
  /** The class a conditional generator draws. Default 0. */
  classOf?: number;
  /** Called after each step with the best start's pixel error so far. */
  onStep?: (step: number, mse: number) => void;
}

/** What {@link projectImage} found. */
export interface Projection {
  /** The latent vector. */
  z: Float32Array;
  /** G(z), `[28, 28]` in [0, 1]. */
  image: Float32Array;
  /** Mean squared pixel error between G(z) and the target (pixels in [0, 1]). */
  mse: number;
  /** The best start's error after each step. */
  history: number[];
}

/** Mean squared error between two images of equal length. */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`images of ${a.length} and ${b.length} values`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
}

/**
 * Projects `target` (784 values in [0, 1]) into `generator`'s latent space (see the module
 * documentation). Leaves no tensors behind.
 */
export async function projectImage(
  generator: Generator,
  target: Float32Array,
  options: ProjectionOptions = {},
): Promise<Projection> {
  if (target.length !== 784) {
    throw new Error(`projectImage: the target has ${target.length} values, not 784`);
  }
  return (await projectGroup(generator, target, options))[0];
}

/** Options of {@link projectImages}. */
export interface ProjectImagesOptions extends Omit<ProjectionOptions, "onStep"> {
  /** Images projected together in one batch of `group x starts` latents. Default 16. */
  group?: number;
}

/**
 * Projects each of `targets` (n images of 784 values in [0, 1]) as {@link projectImage} does,
 * `group` images at a time in one batch: the same starts, steps and result per image (each
 * latent's loss and Adam update depend on its own row only), at the cost of a few large
 * batches instead of n small ones. Leaves no tensors behind.
 *
 * @example
 * ```ts
 * const [first, second] = await projectImages(dcgan, twoImages, { steps: 200 });
 * console.log(first.mse, second.z.length);
 * ```
 */
export async function projectImages(
  generator: Generator,
  targets: Float32Array,
  options: ProjectImagesOptions = {},
): Promise<Projection[]> {
  if (targets.length % 784 !== 0) {
    throw new Error(`projectImages: ${targets.length} values are not whole 28x28 images`);
  }
  const { group = 16 } = options;
  const out: Projection[] = [];
  for (let i = 0; i < targets.length / 784; i += group) {
    out.push(
      ...await projectGroup(generator, targets.subarray(i * 784, (i + group) * 784), options),
    );
  }
  return out;
}

/** Projects the images of `targets` together: `starts` latents each, rows of one batch. */
async function projectGroup(
  generator: Generator,
  targets: Float32Array,
  options: ProjectionOptions,
): Promise<Projection[]> {
  const { steps = 300, learningRate = 0.05, starts = 4, seed = 0, priorWeight = 0.01 } = options;
  const n = targets.length / 784, rows = n * starts;
  const zDim = generator.config.zDim;
  const classes = generator.conditional
    ? new Int32Array(rows).fill(options.classOf ?? 0)
    : undefined;
  const labels = classes && generator.oneHot(classes);
  // every image starts from the same seeded points, as it would alone
  const first = new Rng(seed).fillNormal(new Float32Array(starts * zDim));
  const init = new Float32Array(rows * zDim);
  for (let i = 0; i < n; i++) init.set(first, i * starts * zDim);
  const z = tf.tidy(() => tf.variable(tf.tensor2d(init, [rows, zDim])));
  // image i in rows i * starts .. (i + 1) * starts - 1
  const goal = tf.tidy(() =>
    tf.reshape(
      tf.tile(tf.tensor4d(targets, [n, 1, 28, 28]), [1, starts, 1, 1]),
      [rows, 28, 28, 1],
    )
  );
  const optimizer = tf.train.adam(learningRate);
  const histories: number[][] = Array.from({ length: n }, () => []);
  /** Per image, the row of its start with the smallest error (the first of equals). */
  const bestRow = (errors: ArrayLike<number>, i: number) => {
    let best = i * starts;
    for (let r = best + 1; r < (i + 1) * starts; r++) if (errors[r] < errors[best]) best = r;
    return best;
  };
  // per start: pixel error, and that plus the prior (what is minimised)
  const losses = () => {
    // G's forward pass in evaluation mode, recorded for the gradient in z
    const image = tf.div(tf.add(generator.drawing.apply(z, { training: false, labels }), 1), 2);
    const pixel = tf.mean(tf.square(tf.sub(image, goal)), [1, 2, 3]);
    const prior = tf.square(tf.sub(tf.div(tf.sum(tf.square(z), 1), zDim), 1));
    return { pixel, total: tf.add(pixel, tf.mul(prior, priorWeight)) };
  };
  try {
    for (let step = 1; step <= steps; step++) {
      const pixel = tf.tidy(() => {
        let kept: tf.Tensor | undefined;
        optimizer.minimize(
          () => {
            const l = losses();
            kept = tf.keep(l.pixel);
            return tf.sum(l.total) as tf.Scalar;
          },
          false,
          [z],
        );
        return kept!;
      });
      const errors = await pixel.data();
      pixel.dispose();
      histories.forEach((h, i) => h.push(errors[bestRow(errors, i)]));
      options.onStep?.(step, histories[0][step - 1]);
    }
    const errors = await readTidyAsync(() => losses().pixel);
    const zs = await z.data() as Float32Array;
    const results: Projection[] = [];
    for (let i = 0; i < n; i++) {
      const best = bestRow(errors, i);
      const bestZ = zs.slice(best * zDim, (best + 1) * zDim);
      const image = await generator.fromLatents(bestZ, {
        classes: classes?.subarray(best, best + 1),
      });
      const target = targets.subarray(i * 784, (i + 1) * 784);
      results.push({
        z: bestZ,
        image,
        mse: meanSquaredError(image, target),
        history: histories[i],
      });
    }
    return results;
  } finally {
    tf.dispose([z, goal, ...(labels ? [labels] : [])]);
    optimizer.dispose();
  }
}

/** The training image nearest to `target` (784 values in [0, 1]) in pixel space. */
export interface Nearest {
  /** Its index in the split. */
  index: number;
  /** Mean squared pixel error to the target. */
  mse: number;
}

/**
 * The image of `images` (`count` images of 784 bytes, 0..255) nearest to `target` (784 values
 * in [0, 1]), by mean squared pixel error.
 */
export function nearestImage(target: Float32Array, images: Uint8Array, count: number): Nearest {
  let best = { index: -1, mse: Infinity };
  for (let i = 0; i < count; i++) {
    let s = 0;
    const base = i * 784;
    for (let p = 0; p < 784 && s < best.mse * 784; p++) {
      s += (images[base + p] / 255 - target[p]) ** 2;
    }
    if (s / 784 < best.mse) best = { index: i, mse: s / 784 };
  }
  return best;
}
