/**
 * Training cells of the notebooks: reuse a finished run with the same configuration, resume an
 * unfinished one, or train a new one, showing a live loss plot while it trains.
 *
 * @module
 */
import * as fs from "node:fs";
import { batchesPerEpoch } from "../data/batches.ts";
import type { Split } from "../data/fashion_mnist.ts";
import type { StepRecord } from "../train/gan_trainer.ts";
import { progressText } from "../train/progress_text.ts";
import { type FidScorer, trainRun } from "../train/run.ts";
import { RunDir } from "../train/run_dir.ts";
import { type TrainConfig, withTrainDefaults } from "../train/train_config.ts";
import { LiveDisplay } from "../viz/jupyter.ts";
import { lossPlotSvg } from "../viz/loss_plot.ts";

/** What {@link ensureRun} found or made. */
export interface EnsuredRun {
  /** The run directory, finished. */
  run: RunDir;
  /** True when a finished run was reused without training. */
  reused: boolean;
}

/** Options for {@link ensureRun}. */
export interface EnsureRunOptions {
  /** The run directory, e.g. `runs/mlp-quick`. */
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
  /** The backend `run.json` records (default: tfjs's active backend). */
  backend?: string;
}

/** What {@link prepareRunDir} decided. */
export type RunAction = "reuse" | "resume" | "new";

/** Options of {@link prepareRunDir}. */
export interface PrepareRunDirOptions {
  /** The run directory. */
  dir: string;
  /** The configuration the run must have (a GAN's, with its defaults filled in, or CycleGAN's). */
  config: unknown;
  /** Steps the finished run has. */
  total: number;
  /** Reads the configuration of the run in the directory. Default: its `config.json` as is. */
  stored?: (run: RunDir) => unknown;
  /** Where to say what was decided. */
  log: (line: string) => void;
}

/**
 * The run directory made ready for a run of `config` that trains `total` steps: "reuse" when it
 * holds a finished run of this config, "resume" when an unfinished one, "new" otherwise. A
 * checkpointed run of another config is moved aside (`<dir>.old-<time>`), never overwritten; a
 * directory without a checkpoint holds nothing worth keeping and is removed.
 */
export function prepareRunDir(options: PrepareRunDirOptions): { run: RunDir; action: RunAction } {
  const { dir, config, total, log } = options;
  const stored = options.stored ??
    ((r: RunDir) => JSON.parse(fs.readFileSync(r.paths.config, "utf8")));
  const run = new RunDir(dir);
  if (run.hasCheckpoint()) {
    const same = fs.existsSync(run.paths.config) &&
      JSON.stringify(stored(run)) === JSON.stringify(config);
    if (same) {
      const step = (run.loadCheckpoint().meta as { step: number }).step;
      if (step >= total) {
        log(`reusing the finished run in ${dir} (${step} steps)`);
        return { run, action: "reuse" };
      }
      log(`resuming the run in ${dir} at step ${step} of ${total}`);
      return { run, action: "resume" };
    }
    const aside = `${dir}.old-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    fs.renameSync(dir, aside);
    log(`${dir} held a run with another configuration; moved it to ${aside}`);
  } else if (fs.existsSync(dir)) {
    fs.rmSync(dir, { recursive: true });
  }
  return { run, action: "new" };
}

/**
 * Returns the finished run in `dir` when its `config.json` equals `config`; resumes it when it
 * is unfinished; trains it otherwise. A directory holding a run of another configuration is
 * moved aside (`<dir>.old-<time>`), never overwritten. In a notebook, a live loss plot and a
 * progress line refresh every few seconds while it trains.
 */
export async function ensureRun(options: EnsureRunOptions): Promise<EnsuredRun> {
  const { dir, config, train } = options;
  const log = options.log ?? (() => {});
  const stepsPerEpoch = batchesPerEpoch(train.count, config.batchSize, config.dropLast);
  const total = Math.min(config.epochs * stepsPerEpoch, config.maxSteps ?? Infinity);
  const { run, action } = prepareRunDir({
    dir,
    config: withTrainDefaults(config),
    total,
    stored: (r) => r.config(),
    log,
  });
  if (action === "reuse") return { run, reused: true };
  const resume = action === "resume";

  const records: StepRecord[] = resume ? run.history() : [];
  const progress = new LiveDisplay(), live = new LiveDisplay();
  const every = (options.refreshSeconds ?? 5) * 1000;
  let last = 0, lastLine = 0, lastG: number | null = null;
  const result = await trainRun({
    outDir: dir,
    config,
    train,
    resume,
    scorer: options.scorer,
    backend: options.backend,
    callbacks: {
      onStep(record, p) {
        records.push(record);
        if (record.gLoss !== null) lastG = record.gLoss;
        const now = performance.now();
        const done = p.step === p.totalSteps;
        // one line updated in place (Jupyter's update_display_data), once a second
        if (now - lastLine >= 1000 || done) {
          lastLine = now;
          const line = progressText(record, p, lastG);
          void progress.update({ text: line, html: `<pre>${line}</pre>` });
        }
        if (now - last >= every || done) {
          last = now;
          void live.update({
            svg: lossPlotSvg(records, {
              title: `${config.model.kind}: training losses`,
              stepsPerEpoch,
            }),
            text: `${config.model.kind}: training losses`,
          });
        }
      },
      onQuality: (q) => log(`FID ${q.fid.toFixed(2)} at epoch ${q.epoch.toFixed(2)}`),
      onEpochEnd: (e) =>
        log(`epoch ${e.epoch}: mean D ${e.meanDLoss.toFixed(3)}, mean G ${e.meanGLoss.toFixed(3)}`),
    },
  });
  log(
    `trained ${result.stepsThisCall} steps in ${result.seconds.toFixed(0)} s (${
      run.stats()!.sPerStep.toFixed(3)
    } s/step)`,
  );
  return { run, reused: false };
}
