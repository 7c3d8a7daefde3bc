/**
 * Getting a judge: load the saved one, or train, measure and save it once when there is none.
 *
 * @module
 */
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import type { FashionMnist } from "../data/fashion_mnist.ts";
import {
  DEFAULT_JUDGE_FILE,
  defaultJudgeConfig,
  type Judge,
  judgeAccuracy,
  type JudgeConfig,
  type JudgeMeta,
  type JudgeProgress,
  loadJudge,
  saveJudge,
  trainJudge,
} from "./classifier.ts";

/** Options for {@link ensureJudge}. */
export interface EnsureJudgeOptions {
  /** The judge file. Default {@link DEFAULT_JUDGE_FILE} (the one shipped in `assets/`). */
  file?: string;
  /** The dataset, needed only when the judge has to be trained. */
  data: () => Promise<FashionMnist>;
  /** Configuration for a judge trained here. Default {@link defaultJudgeConfig}. */
  config?: JudgeConfig;
  /** Train a new judge even when the file exists (it is replaced once the new one is saved). */
  retrain?: boolean;
  /** Training progress, when training happens. */
  onProgress?: (p: JudgeProgress) => void;
}

/** A ready judge and its recorded facts. */
export interface ReadyJudge {
  /** The network (the caller disposes it). */
  judge: Judge;
  /** Its file's metadata: test accuracy, weights hash, config. */
  meta: JudgeMeta;
  /** The file it was loaded from or saved to. */
  file: string;
  /** True when it was trained by this call. */
  trained: boolean;
}

/**
 * Loads the judge in `options.file`; when the file is missing (or `retrain` is set), trains a
 * judge on the training split, measures its test accuracy, saves both and returns it.
 */
export async function ensureJudge(options: EnsureJudgeOptions): Promise<ReadyJudge> {
  const file = options.file ?? DEFAULT_JUDGE_FILE;
  if (fs.existsSync(file) && !options.retrain) {
    return { ...(await loadJudge(file)), file, trained: false };
  }
  const data = await options.data();
  const t0 = performance.now();
  const judge = await trainJudge(data.train, options.config ?? defaultJudgeConfig(), {
    onProgress: options.onProgress,
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  const meta = await saveJudge(file, judge, {
    testAccuracy: await judgeAccuracy(judge, data.test),
    trainSeconds,
    backend: tf.getBackend(),
  });
  return { judge, meta, file, trained: true };
}
