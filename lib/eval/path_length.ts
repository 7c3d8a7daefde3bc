/**
 * Perceptual path length (Karras et al. 2019, StyleGAN section 4.2): how much the image changes,
 * perceptually, for a small step along an interpolation path in latent space. A smooth,
 * disentangled space has short paths. The paper measures distance with LPIPS on VGG features;
 * here with the judge's features (its 128-d penultimate layer, unit-normalised as LPIPS
 * normalises its features), the network every other score of this project reads:
 *
 *   PPL = E[ |phi(G(p(t))) - phi(G(p(t + eps)))|^2 / eps^2 ],  t ~ U(0, 1) ("full") or t = 0 ("end"),
 *
 * with p the spherical path between two z ("z", any generator) or the straight path between
 * their w ("w", a style-based G), and the mean taken between the 1st and 99th percentiles, as
 * the paper's code does. Images are drawn in evaluation mode (constant noise).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { slerpAt } from "../latent.ts";
import type { Generator } from "../models/generator.ts";
import { styleNetworkOf } from "../models/style_mixing.ts";
import { isStyleNetwork } from "../models/stylegan.ts";
import { withPrecision } from "../backend/native/engine.ts";
import { readTidyAsync } from "../backend/read_tidy.ts";
import { OptionError } from "../option_error.ts";
import { Rng } from "../random.ts";
import type { Judge } from "./classifier.ts";

/** Where the path runs: between two z (slerp) or between their w (lerp; style-based G only). */
export type PathSpace = "z" | "w";

/** Options of {@link perceptualPathLength}. */
export interface PathLengthOptions {
  /** The latent space. */
  space: PathSpace;
  /** "full": t ~ U(0, 1) along the path; "end": t = 0, at its end points. */
  sampling: "full" | "end";
  /** Interpolation pairs. StyleGAN: 100,000; issue 24: 10,000. Default 10,000. */
  pairs?: number;
  /** Step along the path. StyleGAN: 1e-4. */
  epsilon?: number;
  /** Seed of the latents and of t. Default 0. */
  seed?: number;
  /** Pairs per forward pass. Default 250. */
  batchSize?: number;
}

/** A measured path length. */
export interface PathLength {
  space: PathSpace;
  sampling: "full" | "end";
  pairs: number;
  epsilon: number;
  seed: number;
  /** The mean of the values between the 1st and 99th percentiles: the paper's PPL. */
  ppl: number;
  /** The median of all values. */
  median: number;
}

/**
 * The perceptual path length of `generator` in `options.space`, measured with `judge`.
 *
 * @throws {OptionError} naming `space` for "w" on a generator that is not style-based.
 */
export async function perceptualPathLength(
  generator: Generator,
  judge: Judge,
  options: PathLengthOptions,
): Promise<PathLength> {
  const { space, sampling, pairs = 10_000, epsilon = 1e-4, seed = 0, batchSize = 250 } = options;
  if (space === "w" && !isStyleNetwork(generator.drawing)) {
    throw new OptionError(
      `{space} w needs a style-based generator; ${generator.config.kind} has only z`,
    );
  }
  const zDim = generator.config.zDim;
  const rng = new Rng(seed);
  const values = new Float64Array(pairs);
  for (let start = 0; start < pairs; start += batchSize) {
    const b = Math.min(batchSize, pairs - start);
    const z0 = rng.fillNormal(new Float32Array(b * zDim)),
      z1 = rng.fillNormal(new Float32Array(b * zDim));
    const t = sampling === "full" ? rng.fillUniform(new Float32Array(b)) : new Float32Array(b);
    // [a_0..a_b-1, b_0..b_b-1]: both ends of every step, drawn in one pass
    const images = space === "z"
      ? await generator.fromLatents(zSteps(z0, z1, t, epsilon, zDim))
      : await wStepImages(generator, z0, z1, t, epsilon);
    const out = await judge.outputs(images);
    const d = out.featureDim;
    for (let i = 0; i < b; i++) {
      const a = unit(out.features.subarray(i * d, (i + 1) * d));
      const c = unit(out.features.subarray((b + i) * d, (b + i + 1) * d));
      let s = 0;
      for (let k = 0; k < d; k++) s += (a[k] - c[k]) ** 2;
      values[start + i] = s / (epsilon * epsilon);
    }
  }
  const sorted = Float64Array.from(values).sort();
  const lo = percentile(sorted, 0.01), hi = percentile(sorted, 0.99);
  let sum = 0, n = 0;
  for (const v of values) if (v >= lo && v <= hi) (sum += v, n++);
  return { space, sampling, pairs, epsilon, seed, ppl: sum / n, median: percentile(sorted, 0.5) };
}

/** z at t and at t + eps on each pair's great circle: `[2b, zDim]` (all a's, then all b's). */
function zSteps(
  z0: Float32Array,
  z1: Float32Array,
  t: Float32Array,
  eps: number,
  zDim: number,
): Float32Array {
  const b = t.length, out = new Float32Array(2 * b * zDim);
  for (let i = 0; i < b; i++) {
    const a = z0.subarray(i * zDim, (i + 1) * zDim), c = z1.subarray(i * zDim, (i + 1) * zDim);
    out.set(slerpAt(a, c, t[i]), i * zDim);
    out.set(slerpAt(a, c, t[i] + eps), (b + i) * zDim);
  }
  return out;
}

/** Images at t and t + eps on each pair's straight path between their w: `[2b, 28, 28]`. */
function wStepImages(
  generator: Generator,
  z0: Float32Array,
  z1: Float32Array,
  t: Float32Array,
  eps: number,
): Promise<Float32Array> {
  const net = styleNetworkOf(generator), zDim = generator.config.zDim, b = t.length;
  return readTidyAsync(() =>
    withPrecision("fp32", () => {
      const w0 = net.mapping(tf.tensor2d(z0, [b, zDim]), { training: false });
      const w1 = net.mapping(tf.tensor2d(z1, [b, zDim]), { training: false });
      const tt = tf.reshape(tf.tensor1d(t), [b, 1]);
      const at = (s: tf.Tensor) => tf.add(w0, tf.mul(tf.sub(w1, w0), s)) as tf.Tensor2D;
      const w = tf.concat([at(tt), at(tf.add(tt, eps))], 0) as tf.Tensor2D; // [2b, wDim]
      const images = net.synthesis(w, { training: false });
      return tf.div(tf.add(images, 1), 2);
    })
  );
}

function unit(v: Float32Array): Float64Array {
  let n = 0;
  for (const x of v) n += x * x;
  const s = 1 / Math.sqrt(n + 1e-20);
  return Float64Array.from(v, (x) => x * s);
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
}
