/**
 * The figures of notebook 04 (report 4.3, fig 4.5): a trained generator's images along paths
 * in its latent space: sweeps of one dimension, interpolations, a random walk. Each returns a
 * labelled PNG; the latent paths come from `lib/latent.ts`.
 *
 * @module
 */
import { lerp, linspace, randomWalk, slerp, sweepDimension } from "../latent.ts";
import type { Generator } from "../models/generator.ts";
import { Rng } from "../random.ts";
import { imageGridPng } from "../viz/labelled_grid.ts";

/** The values a sweep sets its dimension to: -3..3 in 9 steps, as fig 4.5. */
export const SWEEP_VALUES: readonly number[] = linspace(-3, 3, 9);

/** `count` standard normal latent vectors for `generator`, seeded. */
export function randomLatents(generator: Generator, count: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from(
    { length: count },
    () => rng.fillNormal(new Float32Array(generator.config.zDim)),
  );
}

/** Rows of latent vectors, one flat array. */
function rows(paths: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(paths.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of paths) (out.set(p, at), at += p.length);
  return out;
}

/** Fig 4.5: one row per base vector, dimension `dim` swept across {@link SWEEP_VALUES}. */
export function dimensionSweepFigure(
  generator: Generator,
  bases: readonly Float32Array[],
  dim: number,
): Uint8Array {
  const z = rows(bases.map((b) => sweepDimension(b, dim, SWEEP_VALUES)));
  return imageGridPng(generator.fromLatents(z), {
    columns: SWEEP_VALUES.length,
    columnLabels: SWEEP_VALUES.map((v) => v.toFixed(1)),
    rowLabels: bases.map((_, i) => `z${i + 1}`),
    title: `Fig 4.5: dimension ${dim} from -3 to 3`,
    range: [0, 1],
  });
}

/** One base vector, one row per dimension of `dims`, each swept across {@link SWEEP_VALUES}. */
export function dimensionsFigure(
  generator: Generator,
  base: Float32Array,
  dims: readonly number[],
): Uint8Array {
  const z = rows(dims.map((d) => sweepDimension(base, d, SWEEP_VALUES)));
  return imageGridPng(generator.fromLatents(z), {
    columns: SWEEP_VALUES.length,
    columnLabels: SWEEP_VALUES.map((v) => v.toFixed(1)),
    rowLabels: dims.map((d) => `dim ${d}`),
    title: `${dims.length} dimensions of one z, each from -3 to 3`,
    range: [0, 1],
  });
}

/** From `a` to `b` in `steps` images: linearly (top row) and spherically (bottom row). */
export function interpolationFigure(
  generator: Generator,
  a: Float32Array,
  b: Float32Array,
  steps = 10,
): Uint8Array {
  return imageGridPng(generator.fromLatents(rows([lerp(a, b, steps), slerp(a, b, steps)])), {
    columns: steps,
    rowLabels: ["linear", "spherical"],
    title: "z1 -> z2",
    range: [0, 1],
  });
}

/** A random walk of `steps` points from `start`, N(0, stepSize²) per dimension per step. */
export function randomWalkFigure(
  generator: Generator,
  start: Float32Array,
  options: { steps?: number; stepSize?: number; seed?: number } = {},
): Uint8Array {
  const { steps = 20, stepSize = 0.3, seed = 7 } = options;
  return imageGridPng(generator.fromLatents(randomWalk(start, steps, stepSize, new Rng(seed))), {
    columns: 10,
    title: `Random walk (${steps} steps of ${stepSize})`,
    range: [0, 1],
  });
}
