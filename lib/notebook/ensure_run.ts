/**
 * Training cells of the notebooks: reuse a finished run with the same configuration, resume an
 * unfinished one, or train a new one, showing a live loss plot while it trains.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { batchesPerEpoch } from "../data/batches.ts";
import type { Split } from "../data/fashion_mnist.ts";
import { loadCheckpoint } from "../train/checkpoint.ts";
import type { StepRecord, TrainerMeta } from "../train/gan_trainer.ts";
import { readHistory } from "../train/history.ts";
import {
  type FidScorer,
  type QualityRecord,
  readQuality,
  runPaths,
  trainRun,
} from "../train/run.ts";
import type { TrainConfig } from "../train/train_config.ts";
import { LiveDisplay } from "../viz/jupyter.ts";
import { lossPlotSvg } from "../viz/loss_plot.ts";

/** Wall-clock cost of a run, accumulated over every call that trained it (`timing.json`). */
export interface RunTiming {
  /** Steps timed. */
  steps: number;
  /** Seconds they took. */
  seconds: number;
  /** seconds / steps. */
  sPerStep: number;
  /** The backend of the last call. */
  backend: string;
}

/** What {@link ensureRun} found or made. */
export interface RunInfo {
  /** The run directory. */
  dir: string;
  /** True when a finished run was reused without training. */
  reused: boolean;
  /** Every step's record. */
  history: StepRecord[];
  /** Batches per epoch of this run. */
  stepsPerEpoch: number;
  /** Training time, when this library trained it. */
  timing: RunTiming | null;
  /** FIDs scored during training. */
  quality: QualityRecord[];
}

/** Options for {@link ensureRun}. */
export interface EnsureRunOptions {
  /** The run directory, e.g. `../runs/mlp-quick`. */
  dir: string;
  /** The configuration it must have. */
  config: TrainConfig;
  /** The training split. */
  train: Split;
  /** Seconds between live-plot refreshes in a notebook. Default 5. */
  refreshSeconds?: number;
  /** Where to report what happens (default: nothing). */
  log?: (line: string) => void;
  /** Scores FID when the config asks for it (`evalEvery`, `evalEverySteps`). */
  scorer?: FidScorer;
}

/** Total steps of a config over `train`. */
function plannedSteps(config: TrainConfig, train: Split): number {
  const perEpoch = batchesPerEpoch(train.count, config.batchSize, config.dropLast);
  return Math.min(config.epochs * perEpoch, config.maxSteps ?? Infinity);
}

/**
 * Returns the finished run in `dir` when its `config.json` equals `config`; resumes it when it
 * is unfinished; trains it otherwise. A directory holding a run of another configuration is
 * moved aside (`<dir>.old-<time>`), never overwritten. In a notebook, a live loss plot and a
 * progress line refresh every few seconds while it trains.
 */
export async function ensureRun(options: EnsureRunOptions): Promise<RunInfo> {
  const { dir, config, train } = options;
  const log = options.log ?? (() => {});
  const paths = runPaths(dir);
  const stepsPerEpoch = batchesPerEpoch(train.count, config.batchSize, config.dropLast);
  const total = plannedSteps(config, train);
  const timingFile = path.join(dir, "timing.json");
  const readTiming = (): RunTiming | null =>
    fs.existsSync(timingFile) ? JSON.parse(fs.readFileSync(timingFile, "utf8")) : null;

  let resume = false;
  if (fs.existsSync(paths.checkpoint)) {
    const saved = fs.existsSync(paths.config) ? fs.readFileSync(paths.config, "utf8") : "";
    if (saved && JSON.stringify(JSON.parse(saved)) === JSON.stringify(config)) {
      const step = loadCheckpoint<TrainerMeta>(paths.checkpoint).meta.step;
      if (step >= total) {
        log(`reusing the finished run in ${dir} (${step} steps)`);
        return {
          dir,
          reused: true,
          history: readHistory(paths.history),
          stepsPerEpoch,
          timing: readTiming(),
          quality: readQuality(paths.quality),
        };
      }
      resume = true;
      log(`resuming the run in ${dir} at step ${step} of ${total}`);
    } else {
      const aside = `${dir}.old-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      fs.renameSync(dir, aside);
      log(`${dir} held a run with another configuration; moved it to ${aside}`);
    }
  } else if (fs.existsSync(dir)) {
    fs.rmSync(dir, { recursive: true }); // no checkpoint: nothing worth keeping
  }

  const records: StepRecord[] = resume ? readHistory(paths.history) : [];
  const live = new LiveDisplay();
  const every = (options.refreshSeconds ?? 5) * 1000;
  let last = 0;
  const show = (line: string) => {
    void live.update({
      svg: lossPlotSvg(records, { title: `${config.model.kind}: training losses`, stepsPerEpoch }),
      text: line,
    });
  };
  const result = await trainRun({
    outDir: dir,
    config,
    train,
    resume,
    scorer: options.scorer,
    callbacks: {
      onStep(record, p) {
        records.push(record);
        const now = performance.now();
        if (now - last >= every || p.step === p.totalSteps) {
          last = now;
          show(`step ${p.step}/${p.totalSteps}, ${p.stepsPerSecond.toFixed(2)} steps/s`);
        }
      },
      onQuality: (q) => log(`FID ${q.fid.toFixed(2)} at epoch ${q.epoch.toFixed(2)}`),
      onEpochEnd: (e) =>
        log(`epoch ${e.epoch}: mean D ${e.meanDLoss.toFixed(3)}, mean G ${e.meanGLoss.toFixed(3)}`),
    },
  });
  const before = readTiming();
  const steps = (before?.steps ?? 0) + result.stepsThisCall;
  const seconds = (before?.seconds ?? 0) + result.seconds;
  const timing: RunTiming = {
    steps,
    seconds,
    sPerStep: seconds / Math.max(1, steps),
    backend: tf.getBackend(),
  };
  fs.writeFileSync(timingFile, JSON.stringify(timing, null, 2) + "\n");
  log(
    `trained ${result.stepsThisCall} steps in ${result.seconds.toFixed(0)} s (${
      timing.sPerStep.toFixed(3)
    } s/step)`,
  );
  return {
    dir,
    reused: false,
    history: readHistory(paths.history),
    stepsPerEpoch,
    timing,
    quality: readQuality(paths.quality),
  };
}
