/**
 * The model registry: every model kind, what it is (name, source, family, whether it takes
 * class labels, batch size) and how its networks are built. The CLI's choices and usage text,
 * the notebook profiles, the trainer and the tests read this table; nothing else lists kinds.
 *
 * @module
 */
import { deriveSeed, Rng } from "../random.ts";
import { OptionError } from "../option_error.ts";
import { dcganDiscriminator, dcganGenerator } from "./dcgan.ts";
import { mlpDiscriminator, mlpGenerator } from "./mlp_gan.ts";
import { DEFAULT_STYLE_CONFIG, styleDiscriminator, styleGenerator } from "./stylegan.ts";
import { CLASS_COUNT, type ModelConfig, type ModelKind } from "./model_config.ts";
import { type Gan, type LayerSummary, type Network, summarize } from "./network.ts";

/** What a model kind is and how its networks are built. */
export interface ModelSpec {
  /** The kind's name in configs and on the command line. */
  kind: ModelKind;
  /** Display name, e.g. `DCGAN (A.2)`. */
  label: string;
  /** Where it comes from, for usage text. */
  source: string;
  /**
   * `mlp` or `conv`: a conv step costs about five MLP steps, so budgets (the leaderboard's, the
   * notebook profiles') are set per family.
   */
  family: "mlp" | "conv";
  /** Whether G and D take the class label (G: one-hot appended to z; D: one map per class). */
  conditional: boolean;
  /** Examples per training step. Report table 1: 64. */
  batchSize: number;
  /**
   * How it trains: `report` (appendix A.4's loop: BCE, G every second batch, Adam 2e-4) or
   * `stylegan2` (StyleGAN2's loss and optimiser settings: `STYLEGAN2_RECIPE` in
   * `train/train_config.ts`). Flags override either.
   */
  recipe: "report" | "stylegan2";
  /** Builds G, drawing its initial weights from `rng`. */
  generator(config: ModelConfig, rng: Rng): Network;
  /** Builds D, drawing its initial weights from `rng`. */
  discriminator(config: ModelConfig, rng: Rng): Network;
}

/** Every model kind, in the order the CLI and the tables list them. */
export const MODELS: Readonly<Record<ModelKind, ModelSpec>> = {
  mlp: {
    kind: "mlp",
    label: "MLP GAN (A.1)",
    source: "report A.1: fully connected G and D",
    family: "mlp",
    conditional: false,
    batchSize: 64,
    recipe: "report",
    generator: mlpGenerator,
    discriminator: mlpDiscriminator,
  },
  dcgan: {
    kind: "dcgan",
    label: "DCGAN (A.2)",
    source: "report A.2: transposed-conv G, strided-conv D",
    family: "conv",
    conditional: false,
    batchSize: 64,
    recipe: "report",
    generator: dcganGenerator,
    discriminator: (config, rng) => dcganDiscriminator(config, rng, { spatialMean: false }),
  },
  improved: {
    kind: "improved",
    label: "improved (A.3)",
    source: "report A.3: the DCGAN with D's output averaged over space",
    family: "conv",
    conditional: false,
    batchSize: 64,
    recipe: "report",
    generator: dcganGenerator,
    discriminator: (config, rng) => dcganDiscriminator(config, rng, { spatialMean: true }),
  },
  cdcgan: {
    kind: "cdcgan",
    label: "class-conditional DCGAN",
    source: "beyond the report: the DCGAN conditioned on the class (sample --class N)",
    family: "conv",
    conditional: true,
    batchSize: 64,
    recipe: "report",
    generator: dcganGenerator,
    discriminator: (config, rng) => dcganDiscriminator(config, rng, { spatialMean: false }),
  },
  stylegan: {
    kind: "stylegan",
    label: "StyleGAN2 (5.3)",
    source: "beyond the report (its 5.3): style-based G (mapping, modulated convs), StyleGAN2 loss",
    family: "conv",
    conditional: false,
    batchSize: 64,
    recipe: "stylegan2",
    generator: styleGenerator,
    discriminator: styleDiscriminator,
  },
};

/** Every model kind, the class-conditional one included. */
export const MODEL_KINDS: readonly ModelKind[] = Object.keys(MODELS) as ModelKind[];

/** The report's own models (appendix A.1-A.3). */
export const REPORT_MODEL_KINDS: readonly ModelKind[] = ["mlp", "dcgan", "improved"];

/**
 * The registry entry of `kind`.
 *
 * @throws {OptionError} naming the `model` option when `kind` is not a model kind.
 */
export function modelSpec(kind: string): ModelSpec {
  if (!Object.hasOwn(MODELS, kind)) {
    throw new OptionError(`unknown {model} '${kind}': expected one of ${MODEL_KINDS.join(", ")}`);
  }
  return MODELS[kind as ModelKind];
}

/** The report's values (table 1, appendix A) for the networks of a model kind. */
export function defaultModelConfig(kind: ModelKind): ModelConfig {
  const spec = modelSpec(kind);
  if (kind === "stylegan") {
    // no dropout or BatchNorm; widths 128/64/32 at 7/14/28 (G) and 32/64/128 (D)
    return {
      kind,
      zDim: DEFAULT_STYLE_CONFIG.wDim,
      dropout: 0,
      leak: 0.2,
      ngf: 32,
      ndf: 32,
      bnMomentum: 0.1,
      bnEps: 1e-5,
      initStd: 1,
      spectralNorm: false,
      classes: 0,
      style: { ...DEFAULT_STYLE_CONFIG },
    };
  }
  return {
    kind,
    zDim: 100,
    dropout: 0.3,
    leak: 0.2,
    ngf: 64,
    ndf: 64,
    bnMomentum: 0.1,
    bnEps: 1e-5,
    initStd: 0.02,
    spectralNorm: false,
    classes: spec.conditional ? CLASS_COUNT : 0,
  };
}

/**
 * `config` with any field it lacks taken from {@link defaultModelConfig} of its kind: models
 * saved before a field existed load with the report's value for it.
 */
export function withModelDefaults(config: ModelConfig): ModelConfig {
  return { ...defaultModelConfig(config.kind), ...config };
}

/** The random stream a model's initial weights are drawn from: G's first, then D's. */
function initStream(config: ModelConfig, seed: number): Rng {
  return new Rng(deriveSeed(seed, "init", config.kind));
}

function checkClasses(spec: ModelSpec, config: ModelConfig): void {
  if (spec.conditional ? config.classes < 2 : config.classes !== 0) {
    throw new Error(
      spec.conditional
        ? `${spec.kind} needs classes >= 2, got ${config.classes}`
        : `${spec.kind} is not class-conditional: classes must be 0, got ${config.classes}`,
    );
  }
}

/**
 * Builds the generator/discriminator pair for `config`, initialised from `seed` (the same seed
 * gives the same weights on one backend).
 */
export function createGan(config: ModelConfig, seed: number): Gan {
  const spec = modelSpec(config.kind);
  checkClasses(spec, config);
  const rng = initStream(config, seed);
  const generator = spec.generator(config, rng); // G draws first: createGenerator matches it
  return { config, generator, discriminator: spec.discriminator(config, rng) };
}

/**
 * Builds only G for `config`, with the same initial weights as {@link createGan}'s G for the
 * same seed (no D is built).
 */
export function createGenerator(config: ModelConfig, seed: number): Network {
  const spec = modelSpec(config.kind);
  checkClasses(spec, config);
  return spec.generator(config, initStream(config, seed));
}

/** Trainable parameter counts of a model kind's G and D (report table 2's last row, measured). */
export function parameterCounts(
  kind: ModelKind,
): { generator: number; discriminator: number; total: number } {
  const gan = createGan(defaultModelConfig(kind), 0);
  try {
    const generator = gan.generator.store.countParams();
    const discriminator = gan.discriminator.store.countParams();
    return { generator, discriminator, total: generator + discriminator };
  } finally {
    gan.generator.store.dispose();
    gan.discriminator.store.dispose();
  }
}

/** One network's layers and size (see {@link architecture}). */
export interface NetworkArchitecture {
  /** Which network. */
  network: "generator" | "discriminator";
  /** Trainable scalars. */
  parameters: number;
  /** Every layer's output shape and parameters, measured. */
  layers: LayerSummary[];
}

/**
 * G's and D's layers for `config`: each layer's output shape, measured by running the
 * networks on a batch of `batch` (zeros; class 0 for a conditional model), and its parameters.
 */
export function architecture(config: ModelConfig, batch = 64): NetworkArchitecture[] {
  const gan = createGan(config, 0);
  try {
    const inputs = [
      ["generator", gan.generator, [batch, config.zDim]],
      ["discriminator", gan.discriminator, [batch, 28, 28, 1]],
    ] as const;
    return inputs.map(([network, net, shape]) => ({
      network,
      parameters: net.store.countParams(),
      layers: summarize(net, [...shape], config.classes),
    }));
  } finally {
    gan.generator.store.dispose();
    gan.discriminator.store.dispose();
  }
}
