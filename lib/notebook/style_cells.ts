/**
 * The StyleGAN figures and tables of notebook 05 (the report's section 5.3): style mixing by
 * scale (StyleGAN's figure 3), the truncation trade-off as images and as numbers, and perceptual
 * path lengths of the DCGAN's Z against StyleGAN's Z and W.
 *
 * @module
 */
import type { Judge } from "../eval/classifier.ts";
import { type PathLength, type PathSpace, perceptualPathLength } from "../eval/path_length.ts";
import type { QualityJudge } from "../eval/quality.ts";
import type { Generator } from "../models/generator.ts";
import { mixStyles, truncatedImages } from "../models/style_mixing.ts";
import { Rng } from "../random.ts";
import { imageGridPng } from "../viz/labelled_grid.ts";

/** The truncations issue 24 measures: 1 (as trained), 0.9, 0.7, 0.5. */
export const TRUNCATIONS: readonly number[] = [1, 0.9, 0.7, 0.5];

/** `count` standard normal latents of `zDim`, one flat array, seeded (as `sample --seed`). */
function latents(zDim: number, count: number, seed: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(count * zDim));
}

/** Options of {@link styleMixingFigure}. */
export interface StyleMixingFigureOptions {
  /** Seeds of the rows' latents (their coarse styles). */
  rowSeeds: readonly number[];
  /** Seeds of the columns' latents (their fine styles). */
  columnSeeds: readonly number[];
  /** First resolution that takes the column's w (14: 14x14 and 28x28; 28: 28x28 only). */
  fineFrom: number;
  /** Truncation of every w. Default 1. */
  psi?: number;
}

/**
 * StyleGAN's figure 3 at 28x28: the top row shows each column's own image, the left column
 * each row's; the cell (i, j) takes row i's w in the layers below `fineFrom` and column j's from
 * there on.
 */
export async function styleMixingFigure(
  generator: Generator,
  options: StyleMixingFigureOptions,
): Promise<Uint8Array> {
  const { rowSeeds, columnSeeds, fineFrom, psi = 1 } = options;
  const zDim = generator.config.zDim;
  const one = (seed: number) => latents(zDim, 1, seed);
  const coarse = concat(rowSeeds.map(one)), fine = concat(columnSeeds.map(one));
  const mixed = await mixStyles(generator, { coarse, fine, fineFrom, psi });
  const rowsOwn = await truncatedImages(generator, coarse, { psi });
  const colsOwn = await truncatedImages(generator, fine, { psi });
  const c = columnSeeds.length, tiles = new Float32Array((rowSeeds.length + 1) * (c + 1) * 784);
  tiles.fill(1, 0, 784); // the corner: blank (white, as the background)
  tiles.set(colsOwn, 784); // the first row: a blank corner, then the columns' images
  rowSeeds.forEach((_, i) => {
    const at = (i + 1) * (c + 1) * 784;
    tiles.set(rowsOwn.subarray(i * 784, (i + 1) * 784), at);
    tiles.set(mixed.subarray(i * c * 784, (i + 1) * c * 784), at + 784);
  });
  const fineWhat = fineFrom === 14 ? "14x14 and 28x28" : `${fineFrom}x${fineFrom}`;
  return imageGridPng(tiles, {
    columns: c + 1,
    columnLabels: ["", ...columnSeeds.map((s) => `seed ${s}`)],
    rowLabels: ["", ...rowSeeds.map((s) => `seed ${s}`)],
    title: `Style mixing: rows give the coarse styles, columns the ${fineWhat} ones`,
    range: [0, 1],
  });
}

/** One row per seed, one column per truncation psi: the same z drawn ever closer to w_avg. */
export async function truncationFigure(
  generator: Generator,
  seeds: readonly number[],
  psis: readonly number[] = TRUNCATIONS,
): Promise<Uint8Array> {
  const zDim = generator.config.zDim;
  const z = concat(seeds.map((s) => latents(zDim, 1, s)));
  const byPsi = await Promise.all(psis.map((psi) => truncatedImages(generator, z, { psi })));
  const tiles = new Float32Array(seeds.length * psis.length * 784);
  seeds.forEach((_, i) =>
    psis.forEach((_, j) =>
      tiles.set(byPsi[j].subarray(i * 784, (i + 1) * 784), (i * psis.length + j) * 784)
    )
  );
  return imageGridPng(tiles, {
    columns: psis.length,
    columnLabels: psis.map((p) => `psi ${p}`),
    rowLabels: seeds.map((s) => `seed ${s}`),
    title: "Truncation: w_avg + psi (w - w_avg)",
    range: [0, 1],
  });
}

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
  const z = latents(generator.config.zDim, samples, seed);
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
): Promise<(PathLength & { model: string })[]> {
  const { pairs = 10_000, seeds = [0, 1] } = options;
  const out: (PathLength & { model: string })[] = [];
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

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
}
