/**
 * The translation figures and table of notebook 05 (issue 25): test images of one class above
 * their translations and the way back, the failure cases (the sources whose translation the
 * judge reads least as the target class), and the measures of a pair beside its baselines.
 *
 * @module
 */
import { classSplit } from "../data/class_split.ts";
import { CLASS_NAMES, type FashionMnist } from "../data/fashion_mnist.ts";
import { type Judge, judgeAccuracy } from "../eval/classifier.ts";
import type { TranslationScores } from "../eval/translation.ts";
import type { DirectionScores } from "../explore/pair_scores.ts";
import type { Direction, Translator } from "../models/translator.ts";
import { imageGridPng } from "../viz/labelled_grid.ts";
import type { TranslationRecord } from "./report_summary.ts";
import type { NotebookContext } from "./setup.ts";
import { showTable } from "./tables.ts";

/** The classes a direction of `translator` goes from and to. */
function classesOf(translator: Translator, direction: Direction): [number, number] {
  const { from, to } = translator.meta;
  return direction === "AB" ? [from, to] : [to, from];
}

/** The test images of class `c`, as float32 in [0, 1]. */
function testImages(data: FashionMnist, c: number): Float32Array {
  return Float32Array.from(classSplit(data.test, c).images, (v) => v / 255);
}

/** How many of the test images of class `c` the judge reads as `c`, and their share. */
export async function judgeReadsAsClass(
  judge: Judge,
  data: FashionMnist,
  c: number,
): Promise<{ n: number; success: number }> {
  const split = classSplit(data.test, c);
  return { n: split.count, success: await judgeAccuracy(judge, split) };
}

/** Rows of images (each `count` wide) stacked into one tile array. */
function stack(rows: Float32Array[], count: number): Float32Array {
  const out = new Float32Array(rows.length * count * 784);
  rows.forEach((r, i) => out.set(r.subarray(0, count * 784), i * count * 784));
  return out;
}

/**
 * The first `count` test images of the direction's source class (top row), their translations
 * (middle) and their translations back (bottom).
 */
export async function translationFigure(
  translator: Translator,
  data: FashionMnist,
  options: { direction: Direction; count?: number },
): Promise<Uint8Array> {
  const { direction, count = 8 } = options;
  const [from, to] = classesOf(translator, direction);
  const sources = testImages(data, from).subarray(0, count * 784);
  const out = await translator.translate(sources, direction);
  const back = await translator.translate(out, direction === "AB" ? "BA" : "AB");
  return imageGridPng(stack([sources, out, back], count), {
    columns: count,
    rowLabels: [CLASS_NAMES[from], `-> ${CLASS_NAMES[to]}`, `-> ${CLASS_NAMES[from]}`],
    title: `${CLASS_NAMES[from]} -> ${CLASS_NAMES[to]} and back (test images)`,
    range: [0, 1],
  });
}

/**
 * Where the direction fails: of the first `pool` test images of the source class, the `count`
 * whose translations the judge gives the lowest probability of the target class, with those
 * translations and the probability under each.
 */
export async function translationFailuresFigure(
  translator: Translator,
  judge: Judge,
  data: FashionMnist,
  options: { direction: Direction; count?: number; pool?: number },
): Promise<Uint8Array> {
  const { direction, count = 8, pool = 1000 } = options;
  const [from, to] = classesOf(translator, direction);
  const all = testImages(data, from);
  const sources = all.subarray(0, Math.min(pool * 784, all.length));
  const out = await translator.translate(sources, direction);
  const { probs } = await judge.outputs(out);
  const n = sources.length / 784;
  const worst = Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => probs[a * 10 + to] - probs[b * 10 + to])
    .slice(0, count);
  const pick = (set: Float32Array) => {
    const rows = new Float32Array(worst.length * 784);
    worst.forEach((i, k) => rows.set(set.subarray(i * 784, (i + 1) * 784), k * 784));
    return rows;
  };
  return imageGridPng(stack([pick(sources), pick(out)], worst.length), {
    columns: worst.length,
    columnLabels: worst.map((i) => `p ${probs[i * 10 + to].toFixed(2)}`),
    rowLabels: [CLASS_NAMES[from], `-> ${CLASS_NAMES[to]}`],
    title: `The ${worst.length} of ${n} the judge reads least as ${CLASS_NAMES[to]}`,
    range: [0, 1],
  });
}

/** A content measure kept while converted, or "-" in scores recorded before it existed. */
function convertedOrDash(value: number | undefined): number | string {
  return value === undefined ? "-" : Number(value.toFixed(3));
}

/** One row of {@link translationRows}. */
export type TranslationRow = Record<string, string | number>;

/** Options of {@link translationRows}. */
export interface TranslationRowsOptions {
  /**
   * Per direction, the share of the real test images of its target class that the judge reads
   * as that class: the ceiling a translation's success is read against (a row of its own).
   */
  realSuccess?: Partial<Record<Direction, { n: number; success: number }>>;
}

/**
 * A pair's scores (`model.json`'s, per direction) as table rows: method, direction, measures;
 * with `realSuccess`, a last row per direction for the judge on real images of the target class.
 */
export function translationRows(
  scores: Partial<Record<Direction, DirectionScores>>,
  from: number,
  to: number,
  options: TranslationRowsOptions = {},
): TranslationRow[] {
  const rows: TranslationRow[] = [];
  const row = (direction: string, method: string, s: TranslationScores) =>
    rows.push({
      direction,
      method,
      images: s.n,
      success: `${(100 * s.success).toFixed(1)}%`,
      FID: Number(s.fid.toFixed(2)),
      "style kept": Number(s.styleKept.toFixed(3)),
      "outline kept": Number(s.silhouetteKept.toFixed(3)),
      "style kept, converted": convertedOrDash(s.convertedStyleKept),
      "outline kept, converted": convertedOrDash(s.convertedSilhouetteKept),
      "cycle error": s.cycleError === null ? "-" : Number(s.cycleError.toFixed(4)),
    });
  for (const [d, [a, b]] of [["AB", [from, to]], ["BA", [to, from]]] as const) {
    const entry = scores[d];
    if (!entry) continue;
    const name = `${CLASS_NAMES[a]} -> ${CLASS_NAMES[b]}`;
    row(name, "CycleGAN", entry.cyclegan);
    row(name, "nearest training image", entry.nearestTrainingImage);
    const edit = entry.latentEdit;
    if (edit) {
      row(name, "CycleGAN (the latent edit's sources)", edit.cyclegan);
      row(name, `latent edit (s = ${edit.strength})`, edit.edit);
    }
    const real = options.realSuccess?.[d];
    if (real) {
      rows.push({
        direction: name,
        method: `real test ${CLASS_NAMES[b]} images (the judge's ceiling)`,
        images: real.n,
        success: `${(100 * real.success).toFixed(1)}%`,
        FID: "-",
        "style kept": "-",
        "outline kept": "-",
        "style kept, converted": "-",
        "outline kept, converted": "-",
        "cycle error": "-",
      });
    }
  }
  return rows;
}

/**
 * The measures of `pair` (the translator `name` of notebook 05) beside its baselines, as a table,
 * recorded for the report's front page under `translation:<name>`.
 */
export async function showTranslationScores(
  nb: NotebookContext,
  name: string,
  pair: { translator: Translator; scores: Record<Direction, DirectionScores> },
): Promise<void> {
  const { from, to, step } = pair.translator.meta;
  const { judge } = await nb.quality();
  const realSuccess: TranslationRowsOptions["realSuccess"] = {};
  for (const d of ["AB", "BA"] as const) {
    realSuccess[d] = await judgeReadsAsClass(judge, nb.data, classesOf(pair.translator, d)[1]);
  }
  await showTable(translationRows(pair.scores, from, to, { realSuccess }), {
    caption: "Translations of the test images, beside the baselines and the judge's reading " +
      "of real images of the target class",
  });
  const directions = (["AB", "BA"] as const).map((d) => {
    const [a, b] = classesOf(pair.translator, d);
    const own = pair.scores[d].cyclegan, near = pair.scores[d].nearestTrainingImage;
    return {
      from: CLASS_NAMES[a],
      to: CLASS_NAMES[b],
      images: own.n,
      success: own.success,
      nearestSuccess: near.success,
      realSuccess: realSuccess[d]!.success,
      styleKept: own.styleKept,
      nearestStyleKept: near.styleKept,
      outlineKept: own.silhouetteKept,
      nearestOutlineKept: near.silhouetteKept,
      convertedStyleKept: own.convertedStyleKept,
      nearestConvertedStyleKept: near.convertedStyleKept,
      convertedOutlineKept: own.convertedSilhouetteKept,
      nearestConvertedOutlineKept: near.convertedSilhouetteKept,
    };
  });
  const record: TranslationRecord = { steps: step, directions };
  nb.record(`translation:${name}`, record);
}
