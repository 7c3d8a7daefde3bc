/**
 * The figures of notebook 04 (report 4.3, fig 4.5): a trained generator's images along paths
 * in its latent space (sweeps of one dimension, interpolations, a random walk; the paths come
 * from `lib/latent.ts`), real images projected into it, and edits along class directions
 * (`lib/explore/`). Each returns a labelled PNG, and the measurements where there are some.
 *
 * @module
 */
import type { FashionMnist } from "../data/fashion_mnist.ts";
import type { Judge } from "../eval/classifier.ts";
import {
  classDirection,
  classLatents,
  editLatents,
  type EditResult,
  editSuccess,
  TooFewConfidentSamplesError,
} from "../explore/class_directions.ts";
import { nearestImage, projectImage } from "../explore/projection.ts";
import { lerp, linspace, randomWalk, slerp, sweepDimension } from "../latent.ts";
import type { Generator } from "../models/generator.ts";
import { Rng } from "../random.ts";
import { display } from "../viz/jupyter.ts";
import { imageGridPng } from "../viz/labelled_grid.ts";
import type { NotebookContext } from "./setup.ts";
import { showTable } from "./tables.ts";

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
export async function dimensionSweepFigure(
  generator: Generator,
  bases: readonly Float32Array[],
  dim: number,
): Promise<Uint8Array> {
  const z = rows(bases.map((b) => sweepDimension(b, dim, SWEEP_VALUES)));
  return imageGridPng(await generator.fromLatents(z), {
    columns: SWEEP_VALUES.length,
    columnLabels: SWEEP_VALUES.map((v) => v.toFixed(1)),
    rowLabels: bases.map((_, i) => `z${i + 1}`),
    title: `Fig 4.5: dimension ${dim} from -3 to 3`,
    range: [0, 1],
  });
}

/** One base vector, one row per dimension of `dims`, each swept across {@link SWEEP_VALUES}. */
export async function dimensionsFigure(
  generator: Generator,
  base: Float32Array,
  dims: readonly number[],
): Promise<Uint8Array> {
  const z = rows(dims.map((d) => sweepDimension(base, d, SWEEP_VALUES)));
  return imageGridPng(await generator.fromLatents(z), {
    columns: SWEEP_VALUES.length,
    columnLabels: SWEEP_VALUES.map((v) => v.toFixed(1)),
    rowLabels: dims.map((d) => `dim ${d}`),
    title: `${dims.length} dimensions of one z, each from -3 to 3`,
    range: [0, 1],
  });
}

/** From `a` to `b` in `steps` images: linearly (top row) and spherically (bottom row). */
export async function interpolationFigure(
  generator: Generator,
  a: Float32Array,
  b: Float32Array,
  steps = 10,
): Promise<Uint8Array> {
  return imageGridPng(await generator.fromLatents(rows([lerp(a, b, steps), slerp(a, b, steps)])), {
    columns: steps,
    rowLabels: ["linear", "spherical"],
    title: "z1 -> z2",
    range: [0, 1],
  });
}

/** A random walk of `steps` points from `start`, N(0, stepSize²) per dimension per step. */
export async function randomWalkFigure(
  generator: Generator,
  start: Float32Array,
  options: { steps?: number; stepSize?: number; seed?: number } = {},
): Promise<Uint8Array> {
  const { steps = 20, stepSize = 0.3, seed = 7 } = options;
  return imageGridPng(
    await generator.fromLatents(randomWalk(start, steps, stepSize, new Rng(seed))),
    {
      columns: 10,
      title: `Random walk (${steps} steps of ${stepSize})`,
      range: [0, 1],
    },
  );
}

/** The projections {@link projectionsFigure} drew, one per test image. */
export interface ProjectionRow {
  /** Index of the test image. */
  index: number;
  /** Its class name. */
  className: string;
  /** Pixel error (MSE, pixels in [0, 1]) of G's best reconstruction. */
  mse: number;
  /** Pixel error of the nearest training image. */
  nearestMse: number;
}

/**
 * Projects the first test image of each of `classes` into `generator`'s latent space and draws
 * three rows: the test images, G's reconstructions, and the nearest training images.
 */
export async function projectionsFigure(
  generator: Generator,
  data: FashionMnist,
  options: { classes?: readonly number[]; steps?: number } = {},
): Promise<{ png: Uint8Array; rows: ProjectionRow[] }> {
  const classes = options.classes ?? [0, 1, 3, 5, 7, 8, 9];
  const rows: ProjectionRow[] = [];
  const images = new Float32Array(3 * classes.length * 784);
  for (const [i, c] of classes.entries()) {
    let index = 0;
    while (data.test.labels[index] !== c) index++;
    const target = Float32Array.from(
      data.test.images.subarray(index * 784, (index + 1) * 784),
      (v) => v / 255,
    );
    const p = await projectImage(generator, target, { steps: options.steps ?? 300 });
    const nearest = nearestImage(target, data.train.images, data.train.count);
    const near = data.train.images.subarray(nearest.index * 784, (nearest.index + 1) * 784);
    images.set(target, i * 784);
    images.set(p.image, (classes.length + i) * 784);
    images.set(Float32Array.from(near, (v) => v / 255), (2 * classes.length + i) * 784);
    rows.push({ index, className: data.classNames[c], mse: p.mse, nearestMse: nearest.mse });
  }
  const png = imageGridPng(images, {
    columns: classes.length,
    rowLabels: ["test image", "G(z*)", "nearest train"],
    title: "Real test images projected into the latent space",
    range: [0, 1],
  });
  return { png, rows };
}

/** What {@link classEditFigure} measured. */
export interface ClassEdit {
  /** The judge's reading of the edited samples at each strength. */
  results: EditResult[];
  /** The figure: one row per strength, the same samples edited. */
  png: Uint8Array;
}

/**
 * Edits samples the judge reads as class `from` along the direction to class `to` (class
 * means over `samples` draws), measures how often each strength turns them into `to`, and
 * draws the first eight at every strength.
 */
export async function classEditFigure(
  generator: Generator,
  judge: Judge,
  options: { from: number; to: number; classNames: readonly string[]; samples?: number },
): Promise<ClassEdit> {
  const strengths = [0, 0.5, 1, 1.5, 2, 3];
  const latents = await classLatents(generator, judge, { samples: options.samples ?? 5000 });
  const results = await editSuccess(generator, judge, latents, { ...options, strengths });
  const direction = classDirection(latents, options.from, options.to);
  const base = await randomLatentsOfClass(generator, judge, options.from, 8);
  const rows = strengths.map((s) => editLatents(base, direction, s));
  const grid = new Float32Array(rows.length * base.length);
  rows.forEach((z, i) => grid.set(z, i * base.length));
  const png = imageGridPng(await generator.fromLatents(grid), {
    columns: 8,
    rowLabels: strengths.map((s) => `s = ${s}`),
    title: `${options.classNames[options.from]} -> ${options.classNames[options.to]}`,
    range: [0, 1],
  });
  return { results, png };
}

/** `count` latent vectors (flat) whose images the judge reads as `cls` with >= 0.9. */
async function randomLatentsOfClass(
  generator: Generator,
  judge: Judge,
  cls: number,
  count: number,
): Promise<Float32Array> {
  const zDim = generator.config.zDim, rng = new Rng(99), out: number[] = [];
  while (out.length < count * zDim) {
    const z = rng.fillNormal(new Float32Array(200 * zDim));
    const { probs } = await judge.outputs(await generator.fromLatents(z));
    for (let i = 0; i < 200 && out.length < count * zDim; i++) {
      if (probs[i * 10 + cls] >= 0.9) out.push(...z.subarray(i * zDim, (i + 1) * zDim));
    }
  }
  return Float32Array.from(out);
}

/**
 * Notebook 04's projection cell: real test images projected into `generator`'s latent space
 * (fewer images and steps under the `smoke` profile), the figure and a table of pixel errors
 * against the nearest training image.
 */
export async function showProjections(nb: NotebookContext, generator: Generator): Promise<void> {
  const smoke = nb.profile === "smoke";
  const { png, rows } = await projectionsFigure(generator, nb.data, {
    classes: smoke ? [1, 7] : [0, 1, 3, 5, 7, 8],
    steps: smoke ? 20 : 200,
  });
  await display({ png });
  await showTable(rows.map((r) => ({
    "test image": `#${r.index} (${r.className})`,
    "G(z*) pixel error": r.mse.toFixed(4),
    "nearest training image": r.nearestMse.toFixed(4),
    ratio: (r.mse / r.nearestMse).toFixed(2),
  })));
  const mean = (f: (r: ProjectionRow) => number) =>
    rows.reduce((a, r) => a + f(r), 0) / rows.length;
  nb.record("projection", {
    images: rows.length,
    mse: mean((r) => r.mse),
    nearestMse: mean((r) => r.nearestMse),
  });
}

/**
 * Notebook 04's class-edit cell: samples the judge reads as `from` moved along the direction to
 * `to`, the figure and the share the judge reads as `to` at each strength. A generator whose
 * samples the judge reads too rarely with confidence (barely trained) is said so instead.
 */
export async function showClassEdit(
  nb: NotebookContext,
  generator: Generator,
  from: number,
  to: number,
): Promise<void> {
  const judge = (await nb.quality()).judge;
  let edit: ClassEdit;
  try {
    edit = await classEditFigure(generator, judge, { from, to, classNames: nb.data.classNames });
  } catch (err) {
    if (!(err instanceof TooFewConfidentSamplesError)) throw err;
    console.log(`no class edit: ${(err as Error).message} (the generator is too little trained)`);
    return;
  }
  await display({ png: edit.png });
  await showTable(edit.results.map((r) => ({
    strength: r.strength.toFixed(1),
    [`read as ${nb.data.classNames[to]}`]: `${(100 * r.toShare).toFixed(1)}%`,
    [`still ${nb.data.classNames[from]}`]: `${(100 * r.fromShare).toFixed(1)}%`,
  })));
  nb.record("classEdit", { from, to, results: edit.results });
}
