/**
 * What a style-based generator shows that a DCGAN cannot, as numbers (issue 24): the truncation
 * trade-off (FID, precision, recall and class entropy at psi = 1, 0.9, 0.7, 0.5) and perceptual
 * path lengths in Z and W (`path_length.ts`), beside a DCGAN's Z. `deno task export` records
 * them in a shipped StyleGAN's `model.json`; notebook 05 shows them.
 *
 * @module
 */
import type { Generator } from "../models/generator.ts";
import { truncatedImages } from "../models/style_mixing.ts";
import { Rng } from "../random.ts";
import type { Judge } from "./classifier.ts";
import { type PathLength, type PathSpace, perceptualPathLength } from "./path_length.ts";
import type { QualityJudge } from "./quality.ts";

/** `count` standard normal latents of `zDim`, one flat array, seeded (as `sample --seed`). */
export function seededLatents(zDim: number, count: number, seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(count * zDim));
}

/** The truncations issue 24 measures: 1 (as trained), 0.9, 0.7, 0.5. */
export const TRUNCATIONS: readonly number[] = [1, 0.9, 0.7, 0.5];

/** One row of {@link truncationScores}. */
export interface TruncationRow {
  psi: number;
  fid: number;
  precision: number;
  recall: number;
  classEntropy: number;
}

/**
 * FID, precision, recall and class entropy of `samples` images at each truncation psi (the same
 * latents at every psi, seed `seed`), scored by `quality` against the test split.
 */
export async function truncationScores(
  generator: Generator,
  quality: QualityJudge,
  options: { samples?: number; seed?: number; psis?: readonly number[] } = {},
): Promise<TruncationRow[]> {
  const { samples = 10_000, seed = 0, psis = TRUNCATIONS } = options;
  const z = seededLatents(generator.config.zDim, samples, seed);
  const rows: TruncationRow[] = [];
  for (const psi of psis) {
    const s = await quality.score(await truncatedImages(generator, z, { psi }));
    rows.push({
      psi,
      fid: s.fid,
      precision: s.precision,
      recall: s.recall,
      classEntropy: s.classEntropy,
    });
  }
  return rows;
}

/** A generator with the spaces to measure in it. */
export interface PathLengthSubject {
  /** Its name in the table. */
  name: string;
  generator: Generator;
  /** "z" for any generator; "w" too for a StyleGAN. */
  spaces: readonly PathSpace[];
}

/**
 * Perceptual path lengths (full and end-point sampling) of every subject in each of its spaces,
 * once per sampling seed in `seeds`, measured with `judge`.
 */
export async function pathLengths(
  subjects: readonly PathLengthSubject[],
  judge: Judge,
  options: { pairs?: number; seeds?: readonly number[] } = {},
): Promise<ModelPathLength[]> {
  const { pairs = 10_000, seeds = [0, 1] } = options;
  const out: ModelPathLength[] = [];
  for (const s of subjects) {
    for (const space of s.spaces) {
      for (const sampling of ["full", "end"] as const) {
        for (const seed of seeds) {
          const r = await perceptualPathLength(s.generator, judge, {
            space,
            sampling,
            pairs,
            seed,
          });
          out.push({ model: s.name, ...r });
        }
      }
    }
  }
  return out;
}

/** One measured path length, of the model `model`. */
export type ModelPathLength = PathLength & { model: string };

/** A StyleGAN's truncation and path-length scores. */
export interface StyleScores {
  /** Samples scored at each psi. */
  samples: number;
  /** One row per psi of {@link TRUNCATIONS}. */
  truncation: TruncationRow[];
  /** Pairs per path length. */
  pairs: number;
  /** The StyleGAN's in Z and W and the comparison generator's in Z, full and end sampling, two seeds. */
  pathLengths: ModelPathLength[];
}

/** Options of {@link styleScores}. */
export interface StyleScoresOptions {
  /** The StyleGAN's name in the path-length rows. Default "StyleGAN". */
  name?: string;
  /** A generator to measure beside it in Z (the DCGAN), with its name. */
  compare?: { name: string; generator: Generator };
  /** Samples per psi. Default 10,000. */
  samples?: number;
  /** Pairs per path length. Default 10,000 (issue 24). */
  pairs?: number;
}

/**
 * The truncation rows and path lengths of `generator` (a StyleGAN), scored by `quality` and its
 * judge.
 *
 * @example
 * ```ts
 * const s = await styleScores(stylegan, quality, { compare: { name: "DCGAN", generator: dcgan } });
 * console.log(s.truncation.map((r) => `psi ${r.psi}: FID ${r.fid.toFixed(2)}`));
 * ```
 */
export async function styleScores(
  generator: Generator,
  quality: QualityJudge,
  options: StyleScoresOptions = {},
): Promise<StyleScores> {
  const { name = "StyleGAN", compare, samples = 10_000, pairs = 10_000 } = options;
  const truncation = await truncationScores(generator, quality, { samples });
  const subjects: PathLengthSubject[] = [
    ...(compare ? [{ ...compare, spaces: ["z"] as PathSpace[] }] : []),
    { name, generator, spaces: ["z", "w"] },
  ];
  return {
    samples,
    truncation,
    pairs,
    pathLengths: await pathLengths(subjects, quality.judge, { pairs }),
  };
}

/** One model's path length in one space and sampling, over the seeds measured. */
export interface PathLengthSummaryRow {
  model: string;
  space: PathSpace;
  sampling: "full" | "end";
  /** The mean of the seeds' PPLs. */
  ppl: number;
  /** The largest minus the smallest of the seeds' PPLs: the sampling spread. */
  spread: number;
  /** The seeds' PPLs, in the order measured. */
  perSeed: number[];
}

/** Path lengths grouped by model, space and sampling, in the order first measured. */
export function pathLengthSummary(rows: readonly ModelPathLength[]): PathLengthSummaryRow[] {
  const groups = new Map<string, ModelPathLength[]>();
  for (const r of rows) {
    const key = `${r.model}\u0000${r.space}\u0000${r.sampling}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const perSeed = g.map((r) => r.ppl);
    return {
      model: g[0].model,
      space: g[0].space,
      sampling: g[0].sampling,
      ppl: perSeed.reduce((a, b) => a + b, 0) / perSeed.length,
      spread: Math.max(...perSeed) - Math.min(...perSeed),
      perSeed,
    };
  });
}
