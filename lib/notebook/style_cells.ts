/**
 * The StyleGAN figures and tables of notebook 05 (the report's section 5.3): style mixing by
 * scale (StyleGAN's figure 3), the truncation trade-off as images and as numbers, and perceptual
 * path lengths of the DCGAN's Z against StyleGAN's Z and W (`eval/style_scores.ts` measures them).
 *
 * @module
 */
import {
  pathLengthSummary,
  seededLatents,
  type StyleScores,
  styleScores,
  TRUNCATIONS,
} from "../eval/style_scores.ts";
import type { Generator } from "../models/generator.ts";
import { mixStyles, truncatedImages } from "../models/style_mixing.ts";
import { manifestOf } from "../train/pretrained.ts";
import type { RunDir } from "../train/run_dir.ts";
import { type Profile, profileFinalSamples } from "./profile.ts";
import type { NotebookContext } from "./setup.ts";
import { showTable } from "./tables.ts";
import { imageGridPng } from "../viz/labelled_grid.ts";

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
  const one = (seed: number) => seededLatents(zDim, 1, seed);
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
  const z = concat(seeds.map((s) => seededLatents(zDim, 1, s)));
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

/** Interpolation pairs per path length under `profile`: 10,000 (issue 24) but for smoke and quick. */
export function profilePathPairs(profile: Profile): number {
  return profile === "smoke" ? 200 : profile === "quick" ? 2000 : 10_000;
}

/** Options of {@link showStyleScores}. */
export interface ShowStyleScoresOptions {
  /** The StyleGAN's run: a shipped model's `model.json` holds these scores already. */
  run: RunDir;
  /** Its generator. */
  generator: Generator;
  /** A generator whose Z path lengths go beside it (the DCGAN), with its name. */
  compare?: { name: string; generator: Generator };
}

/**
 * The truncation table (FID, precision, recall, class entropy per psi) and the path-length table
 * (per model, space and sampling: the mean over two seeds and their spread) of a StyleGAN: the
 * scores `deno task export` recorded for a shipped model, else measured here at the profile's
 * size. Records them for the report's front page; returns them.
 */
export async function showStyleScores(
  nb: NotebookContext,
  options: ShowStyleScoresOptions,
): Promise<StyleScores> {
  const { run, generator, compare } = options;
  const shipped = manifestOf(run)?.style as StyleScores | undefined;
  const scores = shipped ?? await styleScores(generator, await nb.quality(), {
    compare,
    samples: profileFinalSamples(nb.profile),
    pairs: profilePathPairs(nb.profile),
  });
  console.log(
    `${scores.samples.toLocaleString("en-US")} samples per psi, ${
      scores.pairs.toLocaleString("en-US")
    } pairs per path length${shipped ? " (measured by 'deno task export')" : ""}`,
  );
  await showTable(
    scores.truncation.map((r) => ({
      psi: r.psi,
      FID: Number(r.fid.toFixed(2)),
      precision: Number(r.precision.toFixed(3)),
      recall: Number(r.recall.toFixed(3)),
      "class entropy": Number(r.classEntropy.toFixed(3)),
    })),
    { caption: "Truncation: quality against variety" },
  );
  const summary = pathLengthSummary(scores.pathLengths);
  await showTable(
    summary.map((r) => ({
      model: r.model,
      space: r.space.toUpperCase(),
      sampling: r.sampling,
      PPL: Number(r.ppl.toFixed(2)),
      "seed spread": Number(r.spread.toFixed(2)),
      "per seed": r.perSeed.map((v) => v.toFixed(2)).join(", "),
    })),
    { caption: "Perceptual path length (judge features, epsilon 1e-4): lower is smoother" },
  );
  nb.record("stylegan", {
    steps: generator.step,
    samples: scores.samples,
    truncation: scores.truncation,
    pairs: scores.pairs,
    pathLengths: summary,
  });
  return scores;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
}
