/**
 * The flags of `deno task train`, each declared once with the {@link TrainConfig} field it sets:
 * the usage text (with defaults read from the report's config), the parsing and
 * {@link configFromFlags} come from this table. The leaderboard reads its rows' flags with it.
 *
 * @module
 */
import { MODEL_KINDS, MODELS } from "../models/registry.ts";
import type { ModelConfig, ModelKind, StyleConfig } from "../models/model_config.ts";
import { classIndex } from "../data/class_split.ts";
import { type CycleConfig, defaultCycleConfig } from "../train/cycle_trainer.ts";
import { LOSS_KINDS } from "../train/losses.ts";
import { defaultTrainConfig, type TrainConfig } from "../train/train_config.ts";
import {
  BACKEND_FLAG,
  type Command,
  DATA_DIR_FLAG,
  type Flag,
  type FlagValues,
  HELP_FLAG,
  parseCommand,
  PRECISION_FLAG,
  THREADS_FLAG,
  UsageError,
} from "./args.ts";

/**
 * A field of the training config a flag sets: a top-level key, `model.<key>`, or
 * `model.style.<key>` (the style-based generator's own settings).
 */
type ConfigField =
  | Exclude<keyof TrainConfig, "model">
  | `model.${keyof ModelConfig}`
  | `model.style.${keyof StyleConfig}`;

/** A train flag that sets a field of the config. */
interface ConfigFlag extends Flag {
  /** The field it sets. */
  field: ConfigField;
}

/** The object holding `field` in `config` and its key there. */
function slot(config: TrainConfig, field: ConfigField): [Record<string, unknown>, string] {
  const path = field.split(".");
  let holder = config as unknown as Record<string, unknown>;
  for (const part of path.slice(0, -1)) holder = holder[part] as Record<string, unknown>;
  return [holder, path[path.length - 1]];
}

/**
 * A flag of the style-based generator's settings (`model.style.*`): the report's models have
 * none, so its help states the default itself.
 */
function styleFlag<F extends ConfigFlag & { field: `model.style.${string}` }>(flag: F): F {
  return flag;
}

/** The report's config, whose values the usage text shows as defaults. */
const REPORT = defaultTrainConfig("mlp");

/** `flag` with the report's value of its field as the default shown (none for null or false). */
function configFlag<F extends Omit<ConfigFlag, "shown">>(flag: F): F & { shown?: string } {
  const [holder, key] = slot(REPORT, flag.field);
  const value = holder[key];
  return value === null || value === false ? flag : { ...flag, shown: String(value) };
}

/** `--model cyclegan`: not a GAN of the registry (it translates images), trained by its own loop. */
export const CYCLEGAN = "cyclegan";

const modelHelp = [
  ...MODEL_KINDS.map((k) => `${k}: ${MODELS[k].source}`),
  `${CYCLEGAN}: beyond the report (its 5.3, style transfer): unpaired translation\n` +
  "between two classes (--from, --to; 10 epochs, batch 16 unless given)",
].join("\n");

/** Every flag of `deno task train`, in usage order. */
export const TRAIN_FLAGS = [
  {
    name: "model",
    arg: "NAME",
    value: { type: "choice", choices: [...MODEL_KINDS, CYCLEGAN] },
    help: `the GAN to train\n${modelHelp}`,
    required: true,
  },
  {
    name: "from",
    arg: "CLASS",
    value: { type: "string" },
    help: "cyclegan: the class translated from (sneaker, ankle-boot, t-shirt, shirt, ...)",
  },
  {
    name: "to",
    arg: "CLASS",
    value: { type: "string" },
    help: "cyclegan: the class translated to",
  },
  {
    name: "cycle-weight",
    arg: "X",
    value: { type: "float", min: 0, max: 1e4 },
    help: "cyclegan: weight of the cycle-consistency loss (Zhu et al. 2017)",
    shown: "10",
  },
  {
    name: "identity-weight",
    arg: "X",
    value: { type: "float", min: 0, max: 1e4 },
    help: "cyclegan: weight of the identity loss (0.5 x the cycle weight)",
    shown: "5",
  },
  {
    name: "pool-size",
    arg: "N",
    value: { type: "int", min: 0, max: 10_000 },
    help: "cyclegan: past generated images each D learns from",
    shown: "50",
  },
  {
    name: "class-weight",
    arg: "X",
    value: { type: "float", min: 0, max: 1e4 },
    help: "cyclegan: weight of a domain classifier's loss on the translations (StarGAN: 1)",
    shown: "0",
  },
  {
    name: "out",
    arg: "DIR",
    value: { type: "string" },
    help: "run directory: config.json, history.jsonl, checkpoint, samples/",
    option: "outDir",
  },
  configFlag({
    name: "epochs",
    arg: "N",
    value: { type: "int", min: 1 },
    help: "passes over the 60,000 training images (report 3.3)",
    field: "epochs",
  }),
  configFlag({
    name: "steps",
    arg: "N",
    value: { type: "int", min: 1 },
    help: "stop after N steps in total, counting steps before a resume",
    option: "maxSteps",
    field: "maxSteps",
  }),
  configFlag({
    name: "batch-size",
    arg: "N",
    value: { type: "int", min: 1 },
    help: "examples per step (report table 1)",
    field: "batchSize",
  }),
  configFlag({
    name: "seed",
    arg: "N",
    value: { type: "int", min: 0 },
    help: "seed for weights, data order, noise and dropout",
    field: "seed",
  }),
  BACKEND_FLAG,
  PRECISION_FLAG,
  THREADS_FLAG,
  {
    name: "resume",
    value: { type: "boolean" },
    help: "continue the run in --out from its last checkpoint",
  },
  configFlag({
    name: "sample-every",
    arg: "N",
    value: { type: "int", min: 1 },
    help: "write samples/epoch-NNN.png every N epochs",
    field: "sampleEvery",
  }),
  configFlag({
    name: "checkpoint-every",
    arg: "N",
    value: { type: "int", min: 0 },
    help: "also checkpoint every N steps (0: epoch ends only)",
    field: "checkpointEvery",
  }),
  configFlag({
    name: "eval-every",
    arg: "N",
    value: { type: "int", min: 0 },
    help: "score FID every N epochs into quality.jsonl (0: off)",
    field: "evalEvery",
  }),
  configFlag({
    name: "eval-every-steps",
    arg: "N",
    value: { type: "int", min: 0 },
    help: "also score FID every N steps (0: off)",
    field: "evalEverySteps",
  }),
  configFlag({
    name: "eval-samples",
    arg: "N",
    value: { type: "int", min: 4 },
    help: "generated images per FID during training",
    field: "evalSamples",
  }),
  configFlag({
    name: "loss",
    arg: "NAME",
    value: { type: "choice", choices: LOSS_KINDS },
    help: "bce (report A.4, labels 0.9/0.1), lsgan, wgan, wgan-gp, hinge or stylegan2\n" +
      "(logistic + lazy R1; the default of --model stylegan, whose recipe\n" +
      "also sets --n-critic 1, --lr-g/--lr-d 0.0025, Adam betas 0/0.99, --ema 0.999,\n" +
      "--ema-rampup 0.05 and --r1-gamma 1)",
    field: "loss",
  }),
  configFlag({
    name: "n-critic",
    arg: "N",
    value: { type: "int", min: 1 },
    help: "D steps per G step (the report's i % 2 == 0; WGAN uses 5)",
    option: "gEvery",
    field: "gEvery",
  }),
  configFlag({
    name: "lr-g",
    arg: "X",
    value: { type: "float", min: 0, max: 1 },
    help: "Adam learning rate of G (report table 1)",
    field: "lrG",
  }),
  configFlag({
    name: "lr-d",
    arg: "X",
    value: { type: "float", min: 0, max: 1 },
    help: "Adam learning rate of D (report table 1)",
    field: "lrD",
  }),
  configFlag({
    name: "ema",
    arg: "D",
    value: { type: "float", min: 0, max: 1, maxExclusive: true },
    help: "sample and score from a moving average of G's weights, decay D\n(e.g. 0.999; 0: off)",
    option: "emaDecay",
    field: "emaDecay",
  }),
  configFlag({
    name: "ema-rampup",
    arg: "R",
    value: { type: "float", min: 0, max: 1 },
    help: "the moving average's half-life is at most R x the steps so far (StyleGAN2-ADA's\n" +
      "ramp-up; the default of --model stylegan: 0.05; 0: the fixed decay of --ema)",
    option: "emaRampup",
    field: "emaRampup",
  }),
  configFlag({
    name: "spectral-norm",
    value: { type: "boolean" },
    help: "spectral normalisation of every D weight (default off)",
    field: "model.spectralNorm",
  }),
  configFlag({
    name: "clip",
    arg: "C",
    value: { type: "float", min: 0, max: 100 },
    help: "WGAN weight clipping",
    option: "wganClip",
    field: "wganClip",
  }),
  configFlag({
    name: "gp-weight",
    arg: "L",
    value: { type: "float", min: 0, max: 1e6 },
    help: "WGAN-GP penalty weight",
    field: "gpWeight",
  }),
  configFlag({
    name: "r1-gamma",
    arg: "G",
    value: { type: "float", min: 0, max: 1e6 },
    help: "stylegan2 loss: R1 penalty weight (StyleGAN2-ADA's CIFAR-10 value;\n" +
      "the default of --model stylegan: 1)",
    field: "r1Gamma",
  }),
  configFlag({
    name: "r1-every",
    arg: "N",
    value: { type: "int", min: 1 },
    help: "stylegan2 loss: R1 every N D steps, weighted N (lazy regularisation)",
    field: "r1Every",
  }),
  configFlag({
    name: "ngf",
    arg: "N",
    value: { type: "int", min: 1, max: 1024 },
    help: "G's width: channels of its last layers (dcgan: x1..x8; stylegan: x1/x2/x4\n" +
      "at 28/14/7; default: report table 1's 64, stylegan 32)",
    field: "model.ngf",
  }),
  styleFlag({
    name: "mbstd-group",
    arg: "N",
    value: { type: "int", min: 1, max: 1024 },
    help: "stylegan: examples per minibatch-stddev group in D (StyleGAN2: 4;\n" +
      "StyleGAN2-ADA's CIFAR-10 config and the default: 32)",
    field: "model.style.mbstdGroup",
  }),
  configFlag({
    name: "ndf",
    arg: "N",
    value: { type: "int", min: 1, max: 1024 },
    help: "D's width, likewise (default: 64, stylegan 32)",
    field: "model.ndf",
  }),
  {
    name: "judge",
    arg: "FILE",
    value: { type: "string" },
    help: "judge for those FIDs (default assets/judge/fashion_judge.ckpt)",
  },
  DATA_DIR_FLAG,
  {
    name: "dry-run",
    value: { type: "boolean" },
    help: "build, load data, run two steps, print shapes and losses; write nothing",
  },
  HELP_FLAG,
] as const satisfies readonly Flag[];

/** `deno task train`. */
export const TRAIN_COMMAND: Command<typeof TRAIN_FLAGS> = {
  synopsis: `deno task train --model ${[...MODEL_KINDS, CYCLEGAN].join("|")} --out DIR [options]`,
  flags: TRAIN_FLAGS,
};

/** Parsed train flags. */
export type TrainFlags = FlagValues<typeof TRAIN_FLAGS>;

/** Parses `deno task train`'s arguments (the leaderboard's rows use it too). */
export function parseTrainFlags(args: readonly string[]): TrainFlags {
  return parseCommand(TRAIN_COMMAND, args);
}

/** The flags only `--model cyclegan` reads. */
const CYCLE_ONLY = ["from", "to", "cycle-weight", "identity-weight", "pool-size", "class-weight"];
/** The flags `--model cyclegan` shares with the GANs; the rest are the GANs' own. */
const CYCLE_SHARED = new Set([
  "model",
  "out",
  "epochs",
  "steps",
  "batch-size",
  "seed",
  "backend",
  "precision",
  "threads",
  "resume",
  "sample-every",
  "checkpoint-every",
  "ngf",
  "ndf",
  "data-dir",
  "help",
]);

const given = (flags: TrainFlags, name: string) =>
  (flags as Record<string, unknown>)[name] !== undefined;

/**
 * The translation run's config for `--model cyclegan`: the paper's settings
 * (`defaultCycleConfig`), with the flags given applied.
 *
 * @throws {UsageError} when --from or --to is missing or a flag of the GANs' only is given;
 * {@link OptionError} naming --from / --to when it is no class.
 */
export function cycleConfigFromFlags(flags: TrainFlags): CycleConfig {
  const foreign = TRAIN_FLAGS.map((f) => f.name as string).filter((n) =>
    !CYCLE_SHARED.has(n) && !CYCLE_ONLY.includes(n) && given(flags, n)
  );
  if (foreign.length) {
    throw new UsageError(
      `${foreign.map((n) => `--${n}`).join(", ")} ${foreign.length > 1 ? "do" : "does"} not ` +
        `apply to --model ${CYCLEGAN}`,
    );
  }
  if (flags.from === undefined || flags.to === undefined) {
    throw new UsageError(`--model ${CYCLEGAN} needs --from CLASS and --to CLASS`);
  }
  const c = defaultCycleConfig(classIndex(flags.from, "from"), classIndex(flags.to, "to"));
  const num = (name: string, fallback: number) =>
    ((flags as Record<string, unknown>)[name] as number | undefined) ?? fallback;
  return {
    ...c,
    model: { ...c.model, ngf: num("ngf", c.model.ngf), ndf: num("ndf", c.model.ndf) },
    seed: num("seed", c.seed),
    batchSize: num("batch-size", c.batchSize),
    epochs: num("epochs", c.epochs),
    maxSteps: given(flags, "steps") ? num("steps", 0) : c.maxSteps,
    checkpointEvery: num("checkpoint-every", c.checkpointEvery),
    sampleEvery: num("sample-every", c.sampleEvery),
    cycleWeight: num("cycle-weight", c.cycleWeight),
    identityWeight: num("identity-weight", c.identityWeight),
    poolSize: num("pool-size", c.poolSize),
    classWeight: num("class-weight", c.classWeight),
  };
}

/** The run's config: the report's for `--model`, with every config flag given applied. */
export function configFromFlags(flags: TrainFlags): TrainConfig {
  const stray = CYCLE_ONLY.filter((n) => given(flags, n));
  if (stray.length) {
    throw new UsageError(
      `${stray.map((n) => `--${n}`).join(", ")}: only --model ${CYCLEGAN} reads ${
        stray.length > 1 ? "them" : "it"
      }`,
    );
  }
  const config = defaultTrainConfig(flags.model as ModelKind);
  for (const flag of TRAIN_FLAGS) {
    const value = (flags as Record<string, unknown>)[flag.name];
    if (value === undefined || !("field" in flag)) continue;
    const [holder, key] = slot(config, flag.field);
    if (holder === undefined) {
      throw new UsageError(`--${flag.name} applies to --model stylegan only`);
    }
    holder[key] = value;
  }
  return config;
}
