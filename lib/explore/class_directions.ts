/**
 * Class directions in an unconditional generator's latent space: the mean latent vector of the
 * samples the judge puts in class B minus that of class A. Adding s times it to a z drawn as
 * an A moves its image towards a B; {@link editSuccess} measures, with the judge, how often an
 * edit of strength s turns an A into a B.
 *
 * @module
 */
import { argMax, type Judge } from "../eval/classifier.ts";
import type { Generator } from "../models/generator.ts";
import { Rng } from "../random.ts";

/**
 * The generator drew too few images that the judge reads confidently as a class: a class
 * direction or edit needs more training (or more samples) first.
 */
export class TooFewConfidentSamplesError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "TooFewConfidentSamplesError";
  }
}

/** The mean latent vector of each class, as the judge reads the samples. */
export interface ClassLatents {
  /** Latent length. */
  zDim: number;
  /** Per class: the mean z of the samples the judge put in it (zeros when none). */
  means: Float32Array[];
  /** Per class: how many samples that mean is over. */
  counts: number[];
  /** Samples drawn. */
  samples: number;
}

/** Options of {@link classLatents}. */
export interface ClassLatentsOptions {
  /** Samples drawn. Default 5,000. */
  samples?: number;
  /** Seed of their noise. Default 0. */
  seed?: number;
  /** Only samples the judge gives at least this probability count. Default 0.9. */
  minConfidence?: number;
}

/** Draws noise for `n` samples of `zDim` values from `rng`. */
function noise(rng: Rng, n: number, zDim: number): Float32Array {
  return rng.fillNormal(new Float32Array(n * zDim));
}

/** Classifies the images of the latent rows `z` with the judge: class and confidence per row. */
async function judged(
  generator: Generator,
  judge: Judge,
  z: Float32Array,
): Promise<{ cls: number; p: number }[]> {
  const { probs, n } = await judge.outputs(await generator.fromLatents(z));
  return Array.from({ length: n }, (_, i) => {
    const cls = argMax(probs, i * 10, 10);
    return { cls, p: probs[i * 10 + cls] };
  });
}

/**
 * The mean latent vector of each class over `samples` draws of an unconditional generator,
 * each sample counted in the class the judge confidently gives it.
 *
 * @throws for a conditional generator (its class is an input, not a direction).
 */
export async function classLatents(
  generator: Generator,
  judge: Judge,
  options: ClassLatentsOptions = {},
): Promise<ClassLatents> {
  if (generator.conditional) {
    throw new Error(
      `${generator.config.kind} takes its class as an input: it has no class directions`,
    );
  }
  const { samples = 5000, seed = 0, minConfidence = 0.9 } = options;
  const zDim = generator.config.zDim;
  const sums = Array.from({ length: 10 }, () => new Float64Array(zDim));
  const counts = new Array<number>(10).fill(0);
  const rng = new Rng(seed);
  for (let start = 0; start < samples; start += 500) {
    const z = noise(rng, Math.min(500, samples - start), zDim);
    (await judged(generator, judge, z)).forEach(({ cls, p }, i) => {
      if (p < minConfidence) return;
      counts[cls]++;
      for (let d = 0; d < zDim; d++) sums[cls][d] += z[i * zDim + d];
    });
  }
  const means = sums.map((s, c) => Float32Array.from(s, (v) => (counts[c] ? v / counts[c] : 0)));
  return { zDim, means, counts, samples };
}

/** The direction from class `from` to class `to`: mean z of `to` minus mean z of `from`. */
export function classDirection(latents: ClassLatents, from: number, to: number): Float32Array {
  for (const c of [from, to]) {
    if (!latents.counts[c]) {
      throw new TooFewConfidentSamplesError(`class ${c} has no confident samples to average`);
    }
  }
  return latents.means[to].map((v, d) => v - latents.means[from][d]);
}

/** `z` (rows of `direction.length`) moved by `strength` times `direction`, every row. */
export function editLatents(
  z: Float32Array,
  direction: Float32Array,
  strength: number,
): Float32Array {
  return z.map((v, i) => v + strength * direction[i % direction.length]);
}

/** How an edit of one strength fared. */
export interface EditResult {
  /** The strength s of z + s (mean_to - mean_from). */
  strength: number;
  /** Share of the edited images the judge puts in `to`. */
  toShare: number;
  /** Share it still puts in `from`. */
  fromShare: number;
}

/** Options of {@link editSuccess}. */
export interface EditSuccessOptions {
  /** Class the samples start in. */
  from: number;
  /** Class the edit goes to. */
  to: number;
  /** Edit strengths. Default 0, 0.5, 1, 1.5, 2. */
  strengths?: number[];
  /** Samples of class `from` edited. Default 200. */
  samples?: number;
  /** Seed of their noise (another stream than the means'). Default 1. */
  seed?: number;
}

/**
 * Draws samples the judge confidently reads as `from` (probability >= 0.9), edits each along
 * the `from` -> `to` direction at every strength, and reports the judge's reading of the
 * edited images.
 */
export async function editSuccess(
  generator: Generator,
  judge: Judge,
  latents: ClassLatents,
  options: EditSuccessOptions,
): Promise<EditResult[]> {
  const { from, to, strengths = [0, 0.5, 1, 1.5, 2], samples = 200, seed = 1 } = options;
  const zDim = generator.config.zDim, direction = classDirection(latents, from, to);
  const rng = new Rng(seed);
  const chosen: number[] = [];
  for (let tries = 0; chosen.length < samples * zDim; tries++) {
    if (tries > 200) {
      throw new TooFewConfidentSamplesError(
        `fewer than ${samples} confident samples of class ${from}`,
      );
    }
    const z = noise(rng, 500, zDim);
    (await judged(generator, judge, z)).forEach(({ cls, p }, i) => {
      if (cls === from && p >= 0.9 && chosen.length < samples * zDim) {
        chosen.push(...z.subarray(i * zDim, (i + 1) * zDim));
      }
    });
  }
  const base = Float32Array.from(chosen);
  const results: EditResult[] = [];
  for (const strength of strengths) {
    const read = await judged(generator, judge, editLatents(base, direction, strength));
    results.push({
      strength,
      toShare: read.filter((r) => r.cls === to).length / read.length,
      fromShare: read.filter((r) => r.cls === from).length / read.length,
    });
  }
  return results;
}
