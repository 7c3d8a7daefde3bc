/**
 * The translation pairs of notebook 05 (issue 25): under the `pretrained` profile the shipped pair
 * and the scores `deno task export` measured; under the others a CycleGAN run of the notebook's
 * runs directory (reused, resumed or trained, with a live progress line), scored here.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { classSplit } from "../data/class_split.ts";
import { type DirectionScores, scorePair } from "../explore/pair_scores.ts";
import type { Generator } from "../models/generator.ts";
import type { Direction, Translator } from "../models/translator.ts";
import { type CycleConfig, defaultCycleConfig, withCycleDefaults } from "../train/cycle_trainer.ts";
import { cycleStepsPerEpoch, trainCycleRun } from "../train/cycle_run.ts";
import { PRETRAINED_DIR } from "../train/pretrained.ts";
import { openTranslator, runTranslator } from "../train/pretrained_translator.ts";
import { cycleProgressText } from "../train/progress_text.ts";
import { LiveDisplay } from "../viz/jupyter.ts";
import { prepareRunDir } from "./ensure_run.ts";
import type { Profile } from "./profile.ts";
import type { NotebookContext } from "./setup.ts";

/** A saved `config.json` of a pair or run, completed by `withCycleDefaults`. */
function readCycleConfig(file: string): CycleConfig {
  return withCycleDefaults(JSON.parse(fs.readFileSync(file, "utf8")));
}

/**
 * The CycleGAN config of the pair `name` (classes `from` -> `to`) under `profile`: for
 * `pretrained`, the shipped pair's; for `full`, the paper's settings (`defaultCycleConfig`:
 * 10 epochs); for `quick`, one epoch (375 steps); for `smoke`, 4 steps.
 */
export function profileCycleConfig(
  pair: { name: string; from: number; to: number },
  profile: Profile,
  root: string = PRETRAINED_DIR,
): CycleConfig {
  if (profile === "pretrained") {
    const file = path.join(root, pair.name, "config.json");
    if (!fs.existsSync(file)) openTranslator(pair.name, root); // throws, naming what there is
    const config = readCycleConfig(file);
    if (config.from !== pair.from || config.to !== pair.to) {
      throw new Error(
        `${file}: translates classes ${config.from} <-> ${config.to}, not ${pair.from} <-> ${pair.to}`,
      );
    }
    return config;
  }
  const config = defaultCycleConfig(pair.from, pair.to);
  if (profile === "full") return config;
  // a checkpoint every minute or so: Jupyter's stop button kills Deno's kernel
  config.checkpointEvery = 100;
  if (profile === "quick") return { ...config, epochs: 1 };
  return { ...config, epochs: 1, maxSteps: 4, checkpointEvery: 2 };
}

/** A pair of notebook 05, with its scores. */
export interface NotebookPair {
  /** The two generators (the caller disposes them). */
  translator: Translator;
  /** Both directions' scores beside the baselines. */
  scores: Record<Direction, DirectionScores>;
  /** Where it came from, in one line. */
  provenance: string;
}

/** Sources scored per direction, and sources the latent edit translates, under `profile`. */
function scoringSize(profile: Profile): { limit?: number; latentSources: number } {
  if (profile === "smoke") return { limit: 50, latentSources: 4 };
  if (profile === "quick") return { limit: 500, latentSources: 20 };
  return { latentSources: 100 };
}

/** Options of {@link translatorOrReuse}. */
export interface TranslatorOrReuseOptions {
  /** The shipped pair's name, and the run's (`<name>-<profile>` in the runs directory). */
  name: string;
  /** Its configuration ({@link profileCycleConfig}). */
  config: CycleConfig;
  /** The generator of the latent-edit baseline (none: that baseline is left out). */
  baselineGenerator?: Generator;
}

/**
 * The pair `name` for notebook 05: shipped, with the scores `deno task export` measured
 * (pretrained profile), or the run `<name>-<profile>` of the notebook's runs directory, reused,
 * resumed or trained (with a live progress line), then scored on the test images (fewer under
 * `smoke` and `quick`) beside the baselines.
 *
 * @example
 * ```ts
 * const pair = { name: "cyclegan-sneaker-ankle-boot", from: 7, to: 9 };
 * const config = profileCycleConfig(pair, nb.profile);
 * const { translator, scores } = await translatorOrReuse(nb, { name: pair.name, config });
 * console.log(scores.AB.cyclegan.success);
 * ```
 */
export async function translatorOrReuse(
  nb: NotebookContext,
  options: TranslatorOrReuseOptions,
): Promise<NotebookPair> {
  const { name, config, baselineGenerator } = options;
  if (nb.profile === "pretrained") {
    const { translator, manifest } = openTranslator(name, nb.pretrainedDir);
    const shipped = readCycleConfig(path.join(nb.pretrainedDir, name, "config.json"));
    const problem = JSON.stringify(shipped) !== JSON.stringify(config)
      ? "was trained with another configuration than the one given; the pretrained profile only shows shipped pairs (GAN_PROFILE=quick or full trains)"
      : manifest.scores === null
      ? "has no scores yet: 'deno task export' measures them"
      : null;
    if (problem) {
      translator.dispose();
      throw new Error(`${path.join(nb.pretrainedDir, name)} ${problem}`);
    }
    return {
      translator,
      scores: manifest.scores as Record<Direction, DirectionScores>,
      provenance: `shipped pair '${manifest.name}' (${manifest.label}): ${
        manifest.steps.toLocaleString("en-US")
      } steps (${manifest.epochs.toFixed(2)} epochs), trained ${
        manifest.date.slice(0, 10)
      } with \`${manifest.commands.join("\` then \`")}\`, ${
        manifest.sPerStep.toFixed(3)
      } s/step on ${manifest.backend}, ${manifest.machine}`,
    };
  }
  const dir = path.join(nb.runsDir, `${name}-${nb.profile}`);
  const { train, test } = nb.data;
  const perEpoch = cycleStepsPerEpoch(
    classSplit(train, config.from),
    classSplit(train, config.to),
    config.batchSize,
  );
  const total = Math.min(config.epochs * perEpoch, config.maxSteps ?? Infinity);
  const { run, action } = prepareRunDir({
    dir,
    config,
    total,
    log: console.log,
    // a run saved before a config field existed is the same run under its default
    stored: (r) => readCycleConfig(r.paths.config),
  });
  if (action !== "reuse") {
    const progress = new LiveDisplay();
    let lastLine = 0;
    await trainCycleRun({
      outDir: dir,
      config,
      train,
      test,
      resume: action === "resume",
      backend: nb.backendLine,
      onStep(record, p) {
        const now = performance.now();
        if (now - lastLine < 1000 && p.step !== p.totalSteps) return;
        lastLine = now;
        const line = cycleProgressText(record, p);
        void progress.update({ text: line, html: `<pre>${line}</pre>` });
      },
    });
  }
  const stats = run.stats();
  const translator = runTranslator(run);
  try {
    const { judge } = await nb.quality();
    const scores = await scorePair(translator, nb.data, judge, {
      baselineGenerator,
      ...scoringSize(nb.profile),
    });
    return {
      translator,
      scores,
      provenance: `the run in ${dir}: ${total} steps, ${action === "reuse" ? "reused" : "trained"}${
        stats ? `; ${stats.sPerStep.toFixed(3)} s/step on ${stats.backend}` : ""
      }`,
    };
  } catch (err) {
    translator.dispose();
    throw err;
  }
}
