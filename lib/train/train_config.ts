/**
 * The one configuration object for training (report section 3.3, table 1, and the loop in A.4).
 *
 * @module
 */
import type { ModelConfig, ModelKind } from "../models/model_config.ts";
import { defaultModelConfig, MODELS, modelSpec } from "../models/registry.ts";
import type { LossKind } from "./losses.ts";

/** Everything a training run depends on. Saved as `config.json` and in every checkpoint. */
export interface TrainConfig {
  /** The networks. */
  model: ModelConfig;
  /** Seed for weights, data order, noise and dropout. */
  seed: number;
  /** Examples per step. Report 3.1/table 1: 64. */
  batchSize: number;
  /** Passes over the 60,000 training images. Report table 1: 50. */
  epochs: number;
  /** Stop after this many steps in total (counting steps before a resume); null: no limit. */
  maxSteps: number | null;
  /** Drop the short last batch of an epoch. Report A.4's DataLoader keeps it: false. */
  dropLast: boolean;
  /** Adam learning rate for G. Report table 1: 2e-4. */
  lrG: number;
  /** Adam learning rate for D. Report table 1: 2e-4. */
  lrD: number;
  /** Adam beta1. Report table 1 (A.4 `beta1=0.5`): 0.5. */
  beta1: number;
  /** Adam beta2. Report table 1: 0.999. */
  beta2: number;
  /** Adam epsilon. PyTorch's default, which the report keeps: 1e-8. */
  adamEps: number;
  /** D's target for real images. Report A.4 (one-sided smoothing): 0.9. */
  realLabel: number;
  /** D's target for generated images. Report A.4: 0.1. */
  fakeLabel: number;
  /** G's target for its images. Report A.4: 1. */
  generatorLabel: number;
  /**
   * G is updated when the batch index within the epoch is divisible by this: D steps per G step
   * (WGAN's n_critic; `--n-critic`). Report A.4 `i % 2 == 0`: 2. WGAN papers use 5.
   */
  gEvery: number;
  /** The GAN loss (`lib/train/losses.ts`). Report A.4: BCE with the labels above. */
  loss: LossKind;
  /** WGAN: D's weights are clipped to [-c, c] after each update. Arjovsky et al. 2017: 0.01. */
  wganClip: number;
  /** WGAN-GP: weight λ of the gradient penalty. Gulrajani et al. 2017: 10. */
  gpWeight: number;
  /**
   * `stylegan2` loss: weight γ of the R1 penalty on real images. StyleGAN2-ADA's CIFAR-10
   * configuration (the smallest images it trains): 0.01; the `stylegan` recipe here: 1, which
   * trained a far better G in the same steps (docs/stylegan.md).
   */
  r1Gamma: number;
  /** `stylegan2` loss: R1 every this many D steps (lazy regularisation). StyleGAN2: 16. */
  r1Every: number;
  /**
   * Decay of an exponential moving average of G's weights, used for sample grids and scores
   * when > 0 (`--ema`; 0: off, as in the report). Typical: 0.999 (Yazıcı et al. 2019).
   */
  emaDecay: number;
  /**
   * Ramp-up of the moving average (StyleGAN2-ADA's `ema_rampup`): its half-life is at most this
   * fraction of the steps trained so far, so the weights of the first steps are forgotten as
   * fast as G leaves them behind; `emaDecay` caps it (see {@link emaDecayAt}). StyleGAN2-ADA's
   * CIFAR-10 config: 0.05. 0: the fixed decay (the default; runs saved before it existed).
   */
  emaRampup: number;
  /**
   * Reuse the D step's fake batch for the G step (pytorch/examples does) instead of drawing
   * fresh noise (report A.4 does). A deviation from the report, so false by default.
   */
  reuseFakeForG: boolean;
  /** Number of fixed latent vectors for comparable sample grids (an 8x8 grid; cdcgan 10x10). */
  fixedNoiseCount: number;
  /** Write a checkpoint every this many steps (and at every epoch end); 0: only epoch ends. */
  checkpointEvery: number;
  /** Write a sample grid every this many epochs (and after the last). */
  sampleEvery: number;
  /** Also write a sample grid every this many steps (0: off); short runs use it for figures. */
  sampleEverySteps: number;
  /**
   * BatchNorm/dropout mode for sample grids: "eval" (running statistics, no dropout, as
   * PyTorch's `G.eval()`) or "train" (batch statistics, as pytorch/examples' dcgan grids).
   */
  sampleMode: "eval" | "train";
  /**
   * Score FID on `evalSamples` generated images every this many epochs, into `quality.jsonl`
   * (0: off). Not in the report (its section 5.3 names FID as future work), so off by default.
   */
  evalEvery: number;
  /** Also score FID every this many steps (0: off); short runs use it for quality curves. */
  evalEverySteps: number;
  /**
   * Images generated for each FID during training. 2,000: about 1 s per score for the MLP GAN
   * and 12 s for the DCGAN on wasm (sampling dominates). FID is biased upwards at small n
   * (real images: 1.61 at 2,000, 0.50 at 10,000; docs/metrics.md), so compare equal n only.
   */
  evalSamples: number;
}

/**
 * StyleGAN2's training recipe (Karras et al. 2020; StyleGAN2-ADA's CIFAR-10 configuration) where
 * it differs from the report's loop: its loss, a G step after every D step, Adam at 0.0025 with
 * betas (0, 0.99), and a moving average of G whose half-life ramps up with training as
 * StyleGAN2-ADA's (5% of the steps so far, at most 693 steps: decay 0.999). Lazy
 * regularisation's small correction of Adam's rate and betas (16 / 17) is not applied.
 */
export const STYLEGAN2_RECIPE: Readonly<Partial<TrainConfig>> = {
  loss: "stylegan2",
  gEvery: 1,
  lrG: 0.0025,
  lrD: 0.0025,
  beta1: 0,
  beta2: 0.99,
  emaDecay: 0.999,
  emaRampup: 0.05,
  r1Gamma: 1,
};

/** The report's training setup for a model kind (the StyleGAN2 recipe for `stylegan`). */
export function defaultTrainConfig(kind: ModelKind): TrainConfig {
  const spec = modelSpec(kind);
  const recipe = spec.recipe === "stylegan2" ? STYLEGAN2_RECIPE : {};
  return {
    model: defaultModelConfig(kind),
    seed: 0,
    batchSize: spec.batchSize,
    epochs: 50,
    maxSteps: null,
    dropLast: false,
    lrG: 2e-4,
    lrD: 2e-4,
    beta1: 0.5,
    beta2: 0.999,
    adamEps: 1e-8,
    realLabel: 0.9,
    fakeLabel: 0.1,
    generatorLabel: 1,
    gEvery: 2,
    loss: "bce",
    wganClip: 0.01,
    gpWeight: 10,
    r1Gamma: 0.01,
    r1Every: 16,
    emaDecay: 0,
    emaRampup: 0,
    reuseFakeForG: false,
    fixedNoiseCount: spec.conditional ? 100 : 64, // conditional: a 10x10 grid, one row per class
    checkpointEvery: 500,
    sampleEvery: 1,
    sampleEverySteps: 0,
    sampleMode: "eval",
    evalEvery: 0,
    evalEverySteps: 0,
    evalSamples: 2000,
    ...recipe,
  };
}

/**
 * `config` with any field it lacks taken from {@link defaultTrainConfig} of its model: runs
 * saved before a field existed load with the report's value for it.
 */
export function withTrainDefaults(config: TrainConfig): TrainConfig {
  const defaults = defaultTrainConfig(config.model.kind);
  // a run saved before the EMA ramp existed trained without it, whatever its recipe says now
  const emaRampup = (config as Partial<TrainConfig>).emaRampup ?? 0;
  return { ...defaults, ...config, emaRampup, model: { ...defaults.model, ...config.model } };
}

/**
 * The moving average's decay at the update after `step` steps: `config.emaDecay`, or with a
 * ramp-up (StyleGAN2-ADA) the decay whose half-life is `emaRampup * step` steps when that is
 * shorter than `emaDecay`'s.
 *
 * @example
 * ```ts
 * const c = { ...defaultTrainConfig("stylegan") }; // decay 0.999, ramp-up 0.05
 * emaDecayAt(c, 1000); // 0.5 ** (1 / 50) = 0.9862: a half-life of 50 steps
 * emaDecayAt(c, 20000); // 0.999: 693 steps, the cap
 * ```
 */
export function emaDecayAt(config: TrainConfig, step: number): number {
  const d = config.emaDecay;
  if (!(config.emaRampup > 0) || d <= 0) return d;
  const halfLife = config.emaRampup * Math.max(step, 1);
  return Math.min(d, Math.pow(0.5, 1 / halfLife));
}

/**
 * A label for a run's configuration: its model's name and what differs from its recipe (the
 * report's loop, or StyleGAN2's for `stylegan`): `DCGAN (A.2), hinge loss, spectral norm`.
 */
export function configLabel(config: TrainConfig): string {
  const recipe = defaultTrainConfig(config.model.kind);
  const parts = [MODELS[config.model.kind].label];
  if (config.loss !== recipe.loss) parts.push(`${config.loss} loss`);
  if (config.model.spectralNorm) parts.push("spectral norm");
  if (config.emaDecay > 0 && config.emaDecay !== recipe.emaDecay) {
    parts.push(`EMA ${config.emaDecay}`);
  }
  if (config.emaDecay > 0 && config.emaRampup !== recipe.emaRampup) {
    parts.push(config.emaRampup > 0 ? `EMA ramp-up ${config.emaRampup}` : "no EMA ramp-up");
  }
  return parts.join(", ");
}
