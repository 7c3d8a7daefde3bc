/**
 * The cells of a model's section in notebooks 02 and 03: its architecture, its run (trained,
 * resumed or reused, with a live loss plot), the loss figure (report figs 4.1, 4.2) and the
 * samples over training (figs 4.3, 4.4, and a GIF). {@link showRun} does all of it in one call.
 *
 * @module
 */
import * as path from "node:path";
import { summarizeRun } from "../eval/run_summary.ts";
import type { ModelConfig } from "../models/model_config.ts";
import { architecture } from "../models/registry.ts";
import { RunDir } from "../train/run_dir.ts";
import { describePretrained, openPretrained } from "../train/pretrained.ts";
import { type TrainConfig, withTrainDefaults } from "../train/train_config.ts";
import { earlyMiddleLate, evolutionFigure, evolutionGif } from "../viz/evolution.ts";
import { display } from "../viz/jupyter.ts";
import { lossPlotSvg } from "../viz/loss_plot.ts";
import { ensureRun } from "./ensure_run.ts";
import { profileTrains } from "./profile.ts";
import type { NotebookContext } from "./setup.ts";
import { showTable } from "./tables.ts";

/** Every layer's output shape (measured on a batch of 64) and parameters of G and D, as tables. */
export async function showArchitecture(config: ModelConfig): Promise<void> {
  for (const net of architecture(config, 64)) {
    await showTable(
      net.layers.map((r) => ({
        layer: r.layer,
        output: r.outputShape.join(" x "),
        parameters: r.params.toLocaleString("en-US"),
      })),
      { caption: `${net.network}: ${net.parameters.toLocaleString("en-US")} parameters` },
    );
  }
}

/**
 * The finished run of `config` named `name` (default: its model kind). Under the `pretrained`
 * profile, the shipped model of that name (checked against its SHA-256; it must have been
 * trained with `config`), with where it came from. Otherwise the run `<name>-<profile>` of the
 * notebook's runs directory: reused when it exists with this configuration, resumed when
 * unfinished, trained otherwise (with a live loss plot). Prints its length and speed.
 */
export async function trainOrReuse(
  nb: NotebookContext,
  config: TrainConfig,
  name: string = config.model.kind,
): Promise<RunDir> {
  if (!profileTrains(nb.profile)) {
    const { run, manifest } = openPretrained(name, nb.pretrainedDir);
    if (JSON.stringify(run.config()) !== JSON.stringify(withTrainDefaults(config))) {
      throw new Error(
        `${run.dir} was trained with another configuration than the one given; the pretrained ` +
          "profile only shows shipped models (GAN_PROFILE=quick or full trains)",
      );
    }
    console.log(describePretrained(manifest));
    return run;
  }
  const { run, reused } = await ensureRun({
    dir: path.join(nb.runsDir, `${name}-${nb.profile}`),
    config,
    train: nb.data.train,
    scorer: config.evalEvery > 0 || config.evalEverySteps > 0 ? await nb.quality() : undefined,
    backend: nb.backendLine,
    log: console.log,
  });
  const stats = run.stats();
  console.log(
    `${run.history().length} steps; ${reused ? "reused" : "trained"}${
      stats ? `; ${stats.sPerStep.toFixed(3)} s/step on ${stats.backend}` : ""
    }`,
  );
  return run;
}

/**
 * The run's loss figure (faint: every step; solid: a moving average; x in epochs) and the level
 * and spread of the losses and D's outputs over the last 20% of steps.
 */
export async function showLosses(run: RunDir, title: string): Promise<void> {
  const history = run.history();
  await display({ svg: lossPlotSvg(history, { title, stepsPerEpoch: run.stepsPerEpoch() }) });
  const s = summarizeRun(run.config().model.kind, history, run.stats()?.sPerStep ?? null);
  console.log(
    `last 20% of steps: D loss ${s.dLossMean.toFixed(3)} ± ${s.dLossStd.toFixed(3)}, G loss ${
      s.gLossMean.toFixed(3)
    } ± ${s.gLossStd.toFixed(3)}, D(x) ${s.dReal.toFixed(2)}, D(G(z)) ${s.dFake.toFixed(2)}`,
  );
}

/**
 * The run's fixed latent vectors at its first, middle and last saved grid (one labelled row
 * each), then every grid as an animation.
 */
export async function showSamplesOverTraining(run: RunDir, title: string): Promise<void> {
  const snapshots = run.snapshots();
  await display({ png: evolutionFigure(earlyMiddleLate(snapshots), 10, title) });
  await display({ gif: evolutionGif(snapshots), gifAlt: "samples over training" });
  console.log(`${snapshots.length} snapshots: ${snapshots.map((s) => s.label).join(", ")}`);
}

/**
 * A shipped model of `assets/pretrained/` in any profile (nothing is trained): where it came
 * from, its loss figure, its samples over training and its recorded scores. Returns its run.
 */
export async function showPretrained(nb: NotebookContext, name: string): Promise<RunDir> {
  const { run, manifest } = openPretrained(name, nb.pretrainedDir);
  console.log(describePretrained(manifest));
  await showLosses(run, `${manifest.label}: losses`);
  await showSamplesOverTraining(run, `${manifest.label}: early / middle / late`);
  const s = manifest.scores;
  if (s) {
    await showTable([{
      model: manifest.label,
      "trained (epochs)": manifest.epochs.toFixed(2),
      [`FID (${s.samples.toLocaleString("en-US")} samples)`]: s.fid.toFixed(2),
      IS: s.is.toFixed(2),
      "precision / recall": `${s.precision.toFixed(3)} / ${s.recall.toFixed(3)}`,
      "class entropy / least class": `${s.classEntropy.toFixed(3)} / ${s.minClassShare.toFixed(3)}`,
    }]);
  }
  return run;
}

/** Figure titles of {@link showRun}. */
export interface RunTitles {
  /** Title of the loss figure. */
  losses: string;
  /** Title of the early / middle / late samples figure. */
  samples: string;
}

/**
 * A model's whole section in one call: its architecture, its run ({@link trainOrReuse}), the
 * loss figure and the samples over training, with the titles given. Returns the run.
 */
export async function showRun(
  nb: NotebookContext,
  config: TrainConfig,
  titles: RunTitles,
): Promise<RunDir> {
  await showArchitecture(config.model);
  const run = await trainOrReuse(nb, config);
  await showLosses(run, titles.losses);
  await showSamplesOverTraining(run, titles.samples);
  return run;
}
