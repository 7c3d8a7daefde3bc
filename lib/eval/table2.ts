/**
 * The report's table 2 (MLP GAN versus DCGAN: parameters, compute, convergence, stability,
 * sharpness, mode collapse), each adjective replaced by a measurement from a run's files and
 * the judge's scores of its final samples.
 *
 * @module
 */
import type { ModelKind } from "../models/model_config.ts";
import { parameterCounts } from "../models/registry.ts";
import type { StepRecord } from "../train/gan_trainer.ts";
import type { QualityRecord, RunDir } from "../train/run_dir.ts";
import { type Series, seriesPlotSvg } from "../viz/loss_plot.ts";
import type { QualityJudge, QualityScores } from "./quality.ts";

/** What is known of one trained model. */
export interface ModelMeasurements {
  /** Row label. */
  name: string;
  /** Model kind (for the parameter count). */
  kind: ModelKind;
  /** Every training step's record. */
  history: readonly StepRecord[];
  /** FIDs scored during training (`quality.jsonl`). */
  quality: readonly QualityRecord[];
  /** Seconds per training step on this backend, when timed. */
  sPerStep: number | null;
  /** Scores of the final generator's samples (those table 2 reads). */
  final: FinalScores;
}

/** The scores of a model's final samples that table 2 reads. */
export type FinalScores = Pick<
  QualityScores,
  "fid" | "meanConfidence" | "precision" | "recall" | "is" | "classEntropy" | "minClassShare"
>;

/**
 * Measures one run for table 2: scores `samples` images from its final generator (noise seed
 * `seed`) with `judge`, and gathers its history, training FIDs and timing.
 */
export async function measureRun(
  name: string,
  run: RunDir,
  judge: QualityJudge,
  samples: number,
  seed = 0,
): Promise<ModelMeasurements & { final: QualityScores }> {
  const generator = run.loadGenerator();
  try {
    return {
      name,
      kind: generator.config.kind,
      history: run.history(),
      quality: run.quality(),
      sPerStep: run.stats()?.sPerStep ?? null,
      final: await judge.score(await generator.sample(samples, { seed })),
    };
  } finally {
    generator.dispose();
  }
}

/** Settings of {@link table2}. */
export interface Table2Options {
  /** Convergence is the first epoch at which the training FID falls below this. */
  fidThreshold: number;
  /** Stability is measured over this last fraction of the steps and of the FID curve. */
  window: number;
}

/**
 * The defaults of {@link Table2Options}: stability over the last 20% (as `summarizeRun`), and a
 * FID threshold of 200 (judge features, 2,000 samples), about where samples turn from blobs into
 * recognisable garment silhouettes. Measured: untrained G 480-616; blobs at ~350 (improved GAN
 * after 200 steps); noisy but recognisable silhouettes at 150-215 (MLP GAN after 3 epochs,
 * DCGAN after 400 steps); real training images 1.61.
 */
export function defaultTable2Options(): Table2Options {
  return { fidThreshold: 200, window: 0.2 };
}

/** One measured row of table 2. */
export interface Table2Row {
  /** Row label. */
  name: string;
  /** "Parameters": trainable scalars of G and D. */
  parameters: number;
  /** "Compute": seconds per training step. */
  sPerStep: number | null;
  /** Steps trained and epochs they make. */
  steps: number;
  epochs: number;
  /** "Convergence": epochs until the training FID first fell below the threshold (null: never). */
  epochsToThreshold: number | null;
  /** "Stability": standard deviation of D's and G's losses over the last window of steps. */
  dLossStd: number;
  gLossStd: number;
  /** "Stability": standard deviation of the training FIDs in the last window (null: < 2 points). */
  fidStd: number | null;
  /** "Sharpness": FID of the final samples and the judge's mean confidence on them. */
  fid: number;
  meanConfidence: number;
  /** Precision and recall of the final samples. */
  precision: number;
  recall: number;
  /** IS analogue of the final samples. */
  is: number;
  /** "Mode collapse": class-coverage entropy (nats; ln 10 = 2.303) and least-class share. */
  classEntropy: number;
  minClassShare: number;
}

function std(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

/** The last `fraction` of `values` (at least one). */
function tail<T>(values: readonly T[], fraction: number): readonly T[] {
  return values.slice(Math.min(values.length - 1, Math.floor(values.length * (1 - fraction))));
}

/** Table 2 with measurements, one row per model. */
export function table2(models: readonly ModelMeasurements[], options: Table2Options): Table2Row[] {
  return models.map((m) => {
    const last = tail(m.history, options.window);
    const fidTail = tail(m.quality, options.window).map((q) => q.fid);
    const hit = m.quality.find((q) => q.fid < options.fidThreshold);
    const lastRecord = m.history.at(-1);
    const stepsPerEpoch = m.quality.length && m.quality[0].epoch > 0
      ? m.quality[0].step / m.quality[0].epoch
      : NaN;
    return {
      name: m.name,
      parameters: parameterCounts(m.kind).total,
      sPerStep: m.sPerStep,
      steps: m.history.length,
      epochs: Number.isFinite(stepsPerEpoch)
        ? m.history.length / stepsPerEpoch
        : (lastRecord?.epoch ?? 0),
      epochsToThreshold: hit ? hit.epoch : null,
      dLossStd: std(last.map((r) => r.dLoss)),
      gLossStd: std(last.filter((r) => r.gLoss !== null).map((r) => r.gLoss!)),
      fidStd: fidTail.length >= 2 ? std(fidTail) : null,
      fid: m.final.fid,
      meanConfidence: m.final.meanConfidence,
      precision: m.final.precision,
      recall: m.final.recall,
      is: m.final.is,
      classEntropy: m.final.classEntropy,
      minClassShare: m.final.minClassShare,
    };
  });
}

/** Table 2 rows as display records (the report's criteria as column names). */
export function table2Display(rows: readonly Table2Row[]): Record<string, string>[] {
  const f = (v: number | null, digits: number) => (v === null ? "-" : v.toFixed(digits));
  return rows.map((r) => ({
    model: r.name,
    parameters: r.parameters.toLocaleString("en-US"),
    "compute (s/step)": f(r.sPerStep, 3),
    "trained (epochs)": r.epochs.toFixed(2),
    "convergence (epochs to FID < t)": r.epochsToThreshold === null
      ? "not reached"
      : r.epochsToThreshold.toFixed(2),
    "stability (sd D / G loss)": `${r.dLossStd.toFixed(3)} / ${r.gLossStd.toFixed(3)}`,
    "stability (sd FID)": f(r.fidStd, 2),
    "sharpness (FID)": r.fid.toFixed(2),
    "sharpness (confidence)": r.meanConfidence.toFixed(3),
    "precision / recall": `${r.precision.toFixed(3)} / ${r.recall.toFixed(3)}`,
    "IS analogue": r.is.toFixed(2),
    "mode collapse (entropy / least class)": `${r.classEntropy.toFixed(3)} / ${
      r.minClassShare.toFixed(3)
    }`,
  }));
}

/** FID over epochs for each model, log-scaled, as an SVG chart. */
export function fidCurveSvg(
  models: readonly Pick<ModelMeasurements, "name" | "quality">[],
  options: { title?: string; floor?: number } = {},
): string {
  const series: Series[] = models
    .filter((m) => m.quality.length > 0)
    .map((m) => ({ name: m.name, points: m.quality.map((q) => ({ x: q.epoch, y: q.fid })) }));
  if (options.floor !== undefined && series.length) {
    const xs = series.flatMap((s) => s.points.map((p) => p.x));
    series.push({
      name: "real training images",
      points: [{ x: Math.min(...xs), y: options.floor }, { x: Math.max(...xs), y: options.floor }],
    });
  }
  return seriesPlotSvg(series, {
    title: options.title ?? "FID (judge features) during training",
    xLabel: "epoch",
    yLabel: "FID (log scale)",
    logY: true,
  });
}
