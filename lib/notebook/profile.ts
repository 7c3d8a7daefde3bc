/**
 * Notebook profiles: how much training a notebook run does.
 *
 * - `pretrained` (the default): none. The notebooks show the shipped models of
 *   `assets/pretrained/` (trained by `deno task train` at the report's length or the longest
 *   labelled budget that fit; `docs/results.md` says which), redrawing every figure in seconds.
 * - `full`: the report's setup (50 epochs; section 3.3). On a 2-core machine with the native
 *   engine about 40 minutes for the MLP GAN and 4 hours per conv GAN (the wasm pack: 1.5 hours
 *   and a day).
 * - `quick`: a budget in which all four notebooks finish in well under an hour on a 2-core
 *   machine (about 6 minutes of training on the native engine, 25 on the wasm pack): MLP 3
 *   epochs, DCGAN 400 steps, improved and class-conditional DCGAN 200 steps each.
 * - `smoke`: a few steps each, to check that every cell runs (CI).
 *
 * @module
 */
import type { ModelKind } from "../models/model_config.ts";
import { MODELS } from "../models/registry.ts";
import { openPretrained, PRETRAINED_DIR } from "../train/pretrained.ts";
import { defaultTrainConfig, type TrainConfig } from "../train/train_config.ts";

/** A notebook profile. */
export type Profile = "pretrained" | "smoke" | "quick" | "full";

/** Every profile; the first is the default. */
export const PROFILES: readonly Profile[] = ["pretrained", "smoke", "quick", "full"];

/**
 * The profile named by `GAN_PROFILE`, else `fallback` (the one a notebook's first cell asks
 * for; default `pretrained`). Notebooks are entry points: this is where they read the
 * environment.
 */
export function profileFromEnv(fallback: Profile = PROFILES[0]): Profile {
  const value = Deno.env.get("GAN_PROFILE") ?? fallback;
  if (!PROFILES.includes(value as Profile)) {
    throw new Error(`GAN_PROFILE expects one of ${PROFILES.join("|")}, got '${value}'`);
  }
  return value as Profile;
}

/**
 * The training config of `kind` under `profile`: the report's, shortened for smoke and quick;
 * for `pretrained`, the config the shipped model of that name was trained with.
 *
 * @param root where shipped models live (default `assets/pretrained`).
 */
export function profileConfig(
  kind: ModelKind,
  profile: Profile,
  root: string = PRETRAINED_DIR,
): TrainConfig {
  if (profile === "pretrained") return openPretrained(kind, root).run.config();
  const config = defaultTrainConfig(kind);
  // FID on 2,000 samples (a few seconds each) for the quality-over-time curves of table 2
  if (profile === "full") return { ...config, evalEvery: 1 };
  const mlp = MODELS[kind].family === "mlp";
  // a checkpoint every few seconds to a minute (MLP 500 steps, conv 100): Jupyter's stop
  // button kills Deno's kernel (denoland/deno#24491), and re-running the cell resumes from the
  // last checkpoint
  config.checkpointEvery = mlp ? 500 : 100;
  if (profile === "smoke") {
    config.epochs = 1;
    config.maxSteps = mlp ? 20 : 6;
    config.sampleEverySteps = mlp ? 10 : 3;
    config.evalEverySteps = config.sampleEverySteps;
    config.evalSamples = 500;
    return config;
  }
  if (mlp) {
    config.epochs = 3; // native engine ~0.05 s/step: about 2.5 minutes (wasm pack ~0.13: 6)
    config.evalEverySteps = 469; // every half epoch
  } else {
    // the DCGAN, which notebooks 03 and 04 look at most closely, gets twice the others' steps
    config.epochs = 1;
    config.maxSteps = kind === "dcgan" ? 400 : 200; // native ~0.32 s/step: 2 and 1 minutes
    config.sampleEverySteps = kind === "dcgan" ? 100 : 50;
    config.evalEverySteps = 50;
  }
  return config;
}

/**
 * Generated images scored per model for the notebooks' quality tables: 500 for `smoke` (seconds),
 * 2,000 for `quick`, 10,000 (the test split's size, the usual FID sample) for `full` and
 * `pretrained` (whose scores were measured when the models were exported).
 */
export function profileFinalSamples(profile: Profile): number {
  return profile === "smoke" ? 500 : profile === "quick" ? 2000 : 10_000;
}

/** Whether `profile` trains (or reuses its own runs) rather than showing the shipped models. */
export function profileTrains(profile: Profile): boolean {
  return profile !== "pretrained";
}
