/**
 * The report's table 2 (MLP GAN versus DCGAN) with measured numbers instead of adjectives, from
 * what a run wrote: parameter counts, seconds per step, and the level and spread of the losses
 * and of D's outputs over the last part of training.
 *
 * @module
 */
import type { ModelKind } from "../models/model_config.ts";
import { parameterCounts } from "../models/registry.ts";
import type { StepRecord } from "../train/gan_trainer.ts";

/** Measured facts about one run (see {@link summarizeRun}). */
export interface RunSummary {
  /** Model kind. */
  model: ModelKind;
  /** Trainable parameters of G and D together. */
  parameters: number;
  /** Steps trained. */
  steps: number;
  /** Seconds per step, when known. */
  sPerStep: number | null;
  /** Mean and standard deviation of D's loss over the window. */
  dLossMean: number;
  dLossStd: number;
  /** Mean and standard deviation of G's loss over the window (G steps only). */
  gLossMean: number;
  gLossStd: number;
  /** Mean D(x) and D(G(z)) over the window. */
  dReal: number;
  dFake: number;
}

function meanStd(values: number[]): [number, number] {
  if (values.length === 0) return [NaN, NaN];
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return [mean, sd];
}

/**
 * Summarises a run from its history over the last `window` fraction of its steps (default the
 * last 20%), where the spread of the losses measures stability.
 */
export function summarizeRun(
  model: ModelKind,
  history: readonly StepRecord[],
  sPerStep: number | null,
  window = 0.2,
): RunSummary {
  const tail = history.slice(Math.floor(history.length * (1 - window)));
  const [dLossMean, dLossStd] = meanStd(tail.map((r) => r.dLoss));
  const [gLossMean, gLossStd] = meanStd(tail.filter((r) => r.gLoss !== null).map((r) => r.gLoss!));
  return {
    model,
    parameters: parameterCounts(model).total,
    steps: history.length,
    sPerStep,
    dLossMean,
    dLossStd,
    gLossMean,
    gLossStd,
    dReal: meanStd(tail.map((r) => r.dReal))[0],
    dFake: meanStd(tail.map((r) => r.dFake))[0],
  };
}
