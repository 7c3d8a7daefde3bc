/**
 * The measuring cells of notebooks 02 and 03: the report's table 2 with numbers (and the FID
 * curves and final samples behind them), the class-conditional model's agreement with the
 * classes it is asked for, and the committed leaderboard.
 *
 * @module
 */
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { CLASS_NAMES } from "../data/fashion_mnist.ts";
import { conditionalAccuracy } from "../eval/conditional.ts";
import { leaderboardDisplay, type LeaderboardResult } from "../eval/leaderboard.ts";
import {
  defaultTable2Options,
  fidCurveSvg,
  measureRun,
  type ModelMeasurements,
  table2,
  table2Display,
} from "../eval/table2.ts";
import { balancedClasses } from "../models/generator.ts";
import { MODELS } from "../models/registry.ts";
import { manifestOf } from "../train/pretrained.ts";
import type { RunDir } from "../train/run_dir.ts";
import { display } from "../viz/jupyter.ts";
import { imageGridPng } from "../viz/labelled_grid.ts";
import { profileFinalSamples } from "./profile.ts";
import type { NotebookContext } from "./setup.ts";
import { showTable } from "./tables.ts";

/** The committed leaderboard results (`docs/results.json`, written by `deno task leaderboard`). */
export const RESULTS_FILE: string = fileURLToPath(
  new URL("../../docs/results.json", import.meta.url),
);

/** A row label for a run: its model's display name. */
function label(run: RunDir): string {
  return MODELS[run.config().model.kind].label;
}

/**
 * A PNG with one row per run: the first `perRow` images of its last fixed-noise grid, labelled
 * with the model and when the grid was drawn.
 */
export function lastSamplesFigure(runs: readonly RunDir[], perRow = 10): Uint8Array {
  const rows = runs.map((run) => {
    const last = run.snapshots().at(-1);
    if (!last) throw new Error(`${run.dir}: no sample grids`);
    return { label: `${label(run).split(" (")[0]} (${last.label})`, last };
  });
  const n = Math.min(perRow, ...rows.map((r) => r.last.count));
  const images = new Float32Array(rows.length * n * 784);
  rows.forEach((r, i) => images.set(r.last.images.subarray(0, n * 784), i * n * 784));
  return imageGridPng(images, {
    columns: n,
    rowLabels: rows.map((r) => r.label),
    title: "Last samples of each model",
    range: [0, 1],
  });
}

/**
 * Table 2 with measurements for `runs` (each model's final generator scored on the profile's
 * number of samples, with its history and training FIDs), against the real-data floor: the
 * table, the FID curves, and with several runs their last samples side by side. Records the
 * rows and the floor for the report's front page; returns the rows.
 */
export async function showTable2(nb: NotebookContext, runs: readonly RunDir[]): Promise<void> {
  const judge = await nb.quality();
  const samples = profileFinalSamples(nb.profile);
  const measured: ModelMeasurements[] = [];
  for (const run of runs) {
    // a shipped model's scores were measured on 10,000 samples when it was exported
    const scores = manifestOf(run)?.scores;
    measured.push(
      scores?.samples === samples
        ? {
          name: label(run),
          kind: run.config().model.kind,
          history: run.history(),
          quality: run.quality(),
          sPerStep: run.stats()?.sPerStep ?? null,
          final: scores,
        }
        : await measureRun(label(run), run, judge, samples),
    );
  }
  const floor = await judge.realFloor(samples);
  const options = defaultTable2Options();
  console.log(`${samples} samples per model; convergence threshold FID < ${options.fidThreshold}`);
  const rows = table2(measured, options);
  await showTable(table2Display(rows), { transpose: true });
  nb.record("table2", rows); // the report's front page shows these
  nb.record("floor", { samples, fid: floor.fid });
  console.log(
    `real training images (floor): FID ${floor.fid.toFixed(2)}, precision ${
      floor.precision.toFixed(3)
    }, recall ${floor.recall.toFixed(3)}, IS ${floor.is.toFixed(2)}, class entropy ${
      floor.classEntropy.toFixed(3)
    }, least class ${floor.minClassShare.toFixed(3)}`,
  );
  // the training curves were scored on fewer samples (FID is biased upwards at small n): their
  // floor is real images at that n
  const curveSamples = measured.find((m) => m.quality.length)?.quality[0].samples ?? samples;
  const curveFloor = curveSamples === samples ? floor : await judge.realFloor(curveSamples);
  await display({ svg: fidCurveSvg(measured, { floor: curveFloor.fid }) });
  if (runs.length > 1) await display({ png: lastSamplesFigure(runs) });
}

/**
 * A class-conditional run: a 10x10 grid asking for one class per row, then the judge's
 * agreement with the requested classes over 1,000 samples (recorded for the front page).
 */
export async function showConditional(nb: NotebookContext, run: RunDir): Promise<void> {
  const generator = run.loadGenerator();
  try {
    const k = generator.config.classes;
    await display({
      png: imageGridPng(await generator.sample(10 * k), { // row r asks for class r
        columns: 10,
        rowLabels: CLASS_NAMES.slice(0, k),
        title: `${generator.config.kind} after ${
          generator.step.toLocaleString("en-US")
        } steps: one class per row`,
        range: [0, 1],
      }),
    });
    const asked = balancedClasses(1000, k);
    const judge = (await nb.quality()).judge;
    const images = await generator.sample(1000, { seed: 1 });
    const agreement = await conditionalAccuracy(judge, images, asked);
    nb.record("conditional", {
      name: label(run),
      steps: generator.step,
      accuracy: agreement.accuracy,
      samples: asked.length,
    });
    console.log(
      `the judge sees the requested class in ${(100 * agreement.accuracy).toFixed(1)}% of ` +
        `1,000 samples; per class: ${
          agreement.perClass.map((a, c) => `${CLASS_NAMES[c]} ${(100 * a).toFixed(0)}%`).join(", ")
        }`,
    );
  } finally {
    generator.dispose();
  }
}

/** The committed leaderboard (`docs/results.json`) as a table. */
export async function showLeaderboard(file: string = RESULTS_FILE): Promise<void> {
  const results = JSON.parse(fs.readFileSync(file, "utf8")) as LeaderboardResult[];
  await showTable(leaderboardDisplay(results));
}
