/**
 * What a style-based generator can do that a DCGAN cannot: draw with a **truncated** w
 * (w_avg + psi (w - w_avg), Karras et al. 2019: psi < 1 trades variety for quality) and **mix
 * styles** by scale (the coarse layers take one latent's w, the fine layers another's,
 * StyleGAN's figure 3). Latents in and images out are flat Float32Arrays, as
 * `Generator.fromLatents`: z rows of `zDim`, images `[n, 28, 28]` in [0, 1].
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { withPrecision } from "../backend/native/engine.ts";
import { readTidyAsync } from "../backend/read_tidy.ts";
import { OptionError } from "../option_error.ts";
import type { Generator } from "./generator.ts";
import { isStyleNetwork, type StyleNetwork } from "./stylegan.ts";

/**
 * The style-based network `generator` draws with (its EMA copy when it has one).
 *
 * @throws {OptionError} naming `model` when the generator is not a style-based one.
 */
export function styleNetworkOf(generator: Generator): StyleNetwork {
  const net = generator.drawing;
  if (!isStyleNetwork(net)) {
    throw new OptionError(
      `{model} ${generator.config.kind} has no style-based generator: truncation and style ` +
        `mixing need a stylegan model`,
    );
  }
  return net;
}

/** w `[n, wDim]` of latents `z` in evaluation mode, truncated towards w_avg by `psi`. */
export function truncatedW(net: StyleNetwork, z: tf.Tensor2D, psi: number): tf.Tensor2D {
  return tf.tidy(() => {
    const w = net.mapping(z, { training: false });
    return psi === 1 ? w : tf.add(net.wAvg, tf.mul(tf.sub(w, net.wAvg), psi)) as tf.Tensor2D;
  });
}

function checkRows(z: Float32Array, zDim: number, what: string): number {
  if (z.length === 0 || z.length % zDim !== 0) {
    throw new Error(`${what}: ${z.length} values are not rows of ${zDim}`);
  }
  return z.length / zDim;
}

function checkPsi(psi: number): void {
  if (!(psi >= 0 && psi <= 2)) throw new OptionError(`{psi} must be in [0, 2], got ${psi}`);
}

/**
 * Images in [0, 1] from one w per layer `ws` `[n, layers, wDim]` (or one for all, `[n, wDim]`),
 * in float32.
 */
function draw(net: StyleNetwork, ws: () => tf.Tensor3D | tf.Tensor2D): Promise<Float32Array> {
  return readTidyAsync(() =>
    withPrecision("fp32", () => tf.div(tf.add(net.synthesis(ws(), { training: false }), 1), 2))
  );
}

/** Options of {@link truncatedImages}. */
export interface TruncationOptions {
  /** Truncation: 1 draws as trained, 0 draws w_avg for every z. Default 1. */
  psi?: number;
  /** Images per forward pass. Default 256. */
  batchSize?: number;
}

/**
 * Images `[n, 28, 28]` in [0, 1] from latents `z` (n rows of `zDim`) with truncation `psi`.
 *
 * @example
 * ```ts
 * const z = new Rng(0).fillNormal(new Float32Array(64 * generator.config.zDim));
 * const images = await truncatedImages(generator, z, { psi: 0.7 });
 * ```
 */
export async function truncatedImages(
  generator: Generator,
  z: Float32Array,
  options: TruncationOptions = {},
): Promise<Float32Array> {
  const { psi = 1, batchSize = 256 } = options;
  checkPsi(psi);
  const net = styleNetworkOf(generator), zDim = generator.config.zDim;
  const n = checkRows(z, zDim, "truncatedImages");
  const out = new Float32Array(n * 784);
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const rows = z.subarray(start * zDim, (start + b) * zDim);
    out.set(
      await draw(
        net,
        () => truncatedW(net, tf.tensor2d(rows, [b, zDim]), psi),
      ),
      start * 784,
    );
  }
  return out;
}

/** Options of {@link mixStyles}. */
export interface MixOptions {
  /** Latents (rows of `zDim`) whose coarse styles each grid row takes. */
  coarse: Float32Array;
  /** Latents whose fine styles each grid column takes. */
  fine: Float32Array;
  /**
   * The first resolution whose layers take the fine latent's w: 14 (default) gives the 7x7
   * layers to the row and the 14x14 and 28x28 ones to the column; 28 gives only the 28x28 ones.
   */
  fineFrom?: number;
  /** Truncation of both. Default 1. */
  psi?: number;
}

/**
 * StyleGAN's style-mixing grid (its figure 3): image (i, j) takes the w of `coarse` row i in
 * the layers below `fineFrom` and the w of `fine` row j from there on. Returns the
 * `rows x columns` images row after row, `[rows * columns, 28, 28]` in [0, 1].
 */
export async function mixStyles(generator: Generator, options: MixOptions): Promise<Float32Array> {
  const { coarse, fine, fineFrom = 14, psi = 1 } = options;
  checkPsi(psi);
  const net = styleNetworkOf(generator), zDim = generator.config.zDim;
  const resolutions = [...new Set(net.layers.map((l) => l.resolution))];
  if (!resolutions.slice(1).includes(fineFrom)) {
    throw new OptionError(
      `{fineFrom} must be one of ${resolutions.slice(1).join(", ")} (a resolution after the ` +
        `first), got ${fineFrom}`,
    );
  }
  const rows = checkRows(coarse, zDim, "mixStyles coarse"),
    cols = checkRows(fine, zDim, "mixStyles fine");
  const mask = net.layers.map((l) => (l.resolution >= fineFrom ? 1 : 0)); // 1: the fine w
  return await draw(net, () => {
    const wc = truncatedW(net, tf.tensor2d(coarse, [rows, zDim]), psi); // [rows, wDim]
    const wf = truncatedW(net, tf.tensor2d(fine, [cols, zDim]), psi); //   [cols, wDim]
    const d = wc.shape[1], layers = mask.length;
    // every (row, column) pair: [rows * cols, layers, wDim]
    const c = tf.tile(tf.reshape(wc, [rows, 1, 1, d]), [1, cols, layers, 1]);
    const f = tf.tile(tf.reshape(wf, [1, cols, 1, d]), [rows, 1, layers, 1]);
    const m = tf.reshape(tf.tensor1d(mask), [1, 1, layers, 1]);
    const mixed = tf.add(tf.mul(c, tf.sub(1, m)), tf.mul(f, m));
    return tf.reshape(mixed, [rows * cols, layers, d]) as tf.Tensor3D;
  });
}
