/**
 * A trained generator apart from its trainer (as nanoGPT's `GPT.from_pretrained` stands apart
 * from its training script): G's network, the moving average of its weights when the run kept
 * one, and the class input of a conditional model. It draws images; it knows nothing of D,
 * optimisers or losses. The trainer wraps one; sampling, evaluation, figures and the notebooks
 * load one from a checkpoint without building D or reading optimiser state into tensors.
 *
 * Pixel ranges: the networks work in [-1, 1] (tanh; the report's `Normalize((0.5,), (0.5,))`),
 * and so does {@link Generator.generate}'s tensor. Images handed out as arrays
 * ({@link Generator.sample}, {@link Generator.fromLatents}) are in [0, 1]: the range every
 * `.npy` file of the project holds and the judge scores.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { withPrecision } from "../backend/native/engine.ts";
import { readTidyAsync } from "../backend/read_tidy.ts";
import {
  assignStored,
  type Checkpoint,
  encodeCheckpoint,
  readTensors,
  type SaveCheckpointOptions,
  type Sha256,
} from "../io/checkpoint_format.ts";
import { OptionError } from "../option_error.ts";
import { Rng } from "../random.ts";
import type { ModelConfig } from "./model_config.ts";
import type { Network } from "./network.ts";
import { createGenerator, withModelDefaults } from "./registry.ts";

/** Checkpoint tensor prefix of G's variables (trainer checkpoints and generator files alike). */
export const G_PREFIX = "G/";
/** Checkpoint tensor prefix of the EMA generator's variables. */
export const EMA_PREFIX = "Gema/";

/** What a generator file records besides the weights. */
export interface GeneratorMeta {
  /** Marks a generator file (a trainer checkpoint has `config` instead). */
  format: "fashion-gan generator";
  /** The networks' configuration. */
  model: ModelConfig;
  /** Training steps the weights had when saved. */
  step: number;
}

/** Options of {@link Generator.sample}. */
export interface SampleOptions {
  /** Seed of the latent vectors. Default 0. */
  seed?: number;
  /**
   * A conditional generator draws this class for every image; without it, the classes in
   * equal contiguous runs ({@link balancedClasses}).
   */
  classOf?: number;
  /** Images generated per forward pass. Default 256. */
  batchSize?: number;
}

/**
 * Rows {@link Generator.fromLatents} draws per forward pass in evaluation mode (its result does
 * not depend on it).
 */
export const FROM_LATENTS_CHUNK = 256;

/** Options of {@link Generator.generate}. */
export interface GenerateOptions {
  /**
   * BatchNorm and dropout mode: "eval" (running statistics, no dropout, PyTorch's `G.eval()`)
   * or "train" (batch statistics, as pytorch/examples' dcgan grids). Default "eval".
   */
  mode?: "eval" | "train";
  /** Class of each image for a conditional G (default {@link balancedClasses}). */
  classes?: ArrayLike<number>;
}

/**
 * Class indices for `n` images spread evenly over `classes` in contiguous runs:
 * floor(i * classes / n) (100 images: ten of class 0, then ten of class 1, ...).
 */
export function balancedClasses(n: number, classes: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => Math.floor((i * classes) / n));
}

/** G (and its EMA copy) ready to draw images. Owns its variables: call `dispose()`. */
export class Generator {
  /** The networks' configuration. */
  readonly config: ModelConfig;
  /** G as trained. */
  readonly network: Network;
  /** The exponential moving average of G's weights, when the run kept one. */
  readonly ema: Network | null;
  /** Training steps behind these weights (0 for an untrained G). */
  step: number;

  /** Wraps `network` (and `ema`), which the generator then owns. */
  constructor(config: ModelConfig, network: Network, ema: Network | null = null, step = 0) {
    this.config = config;
    this.network = network;
    this.ema = ema;
    this.step = step;
  }

  /**
   * An untrained G for `config` with the initial weights of seed `seed` (those of the trainer's
   * G), plus an EMA copy starting equal to it when `ema` is true.
   */
  static create(config: ModelConfig, seed: number, options: { ema?: boolean } = {}): Generator {
    const network = createGenerator(config, seed);
    return new Generator(config, network, options.ema ? createGenerator(config, seed) : null);
  }

  /**
   * The generator in a checkpoint: a generator file ({@link Generator.encode}) or a trainer's
   * checkpoint, of which only G's tensors (and the EMA's) are assigned; no D is built and no
   * optimiser state is kept. (`generator_file.ts` reads and writes the files.)
   *
   * @param what names the checkpoint in errors.
   * @throws naming it when it holds no generator.
   */
  static fromCheckpoint(ckpt: Checkpoint<unknown>, what: string): Generator {
    const meta = ckpt.meta as Partial<GeneratorMeta> & {
      config?: { model?: ModelConfig };
      step?: number;
    };
    const saved = meta.model ?? meta.config?.model;
    if (!saved?.kind) throw new Error(`${what}: holds no generator (no model configuration)`);
    const config = withModelDefaults(saved);
    const hasEma = [...ckpt.tensors.keys()].some((n) => n.startsWith(EMA_PREFIX));
    const generator = Generator.create(config, 0, { ema: hasEma });
    try {
      assignStored(variables(generator.network), ckpt.tensors, G_PREFIX, what);
      if (generator.ema) assignStored(variables(generator.ema), ckpt.tensors, EMA_PREFIX, what);
    } catch (err) {
      generator.dispose();
      throw err;
    }
    generator.step = meta.step ?? 0;
    return generator;
  }

  /**
   * G (and its EMA copy) with the model config and step as the chunks of a generator file;
   * float16 when `options.float16` (half the size, for shipped models).
   */
  async encode(sha256: Sha256, options: SaveCheckpointOptions = {}): Promise<Uint8Array[]> {
    const meta: GeneratorMeta = {
      format: "fashion-gan generator",
      model: this.config,
      step: this.step,
    };
    return encodeCheckpoint(meta, await readTensors(this.stateTensors()), sha256, options);
  }

  /** Every variable of G and the EMA copy, by checkpoint name (not copies). */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [n, v] of this.network.store.entries()) out.set(G_PREFIX + n, v);
    for (const [n, v] of this.ema?.store.entries() ?? []) out.set(EMA_PREFIX + n, v);
    return out;
  }

  /** Whether G takes class labels (`cdcgan`). */
  get conditional(): boolean {
    return this.config.classes > 0;
  }

  /** The network images are drawn from: the EMA copy when there is one, else G. */
  get drawing(): Network {
    return this.ema ?? this.network;
  }

  /** One-hot labels `[n, classes]` for class indices `classes`. */
  oneHot(classes: ArrayLike<number> | tf.Tensor1D): tf.Tensor2D {
    const k = this.config.classes;
    return tf.tidy(() =>
      tf.oneHot(
        classes instanceof tf.Tensor ? classes.toInt() : tf.tensor1d(Array.from(classes), "int32"),
        k,
      ).toFloat()
    ) as tf.Tensor2D;
  }

  /**
   * Images `[n, 28, 28, 1]` in [-1, 1] from latent vectors `z` `[n, zDim]`, drawn by the EMA
   * copy when there is one, else by G. A conditional G draws class `classes[i]` for image i.
   */
  generate(z: tf.Tensor2D, options: GenerateOptions = {}): tf.Tensor4D {
    const n = z.shape[0];
    return tf.tidy(() => {
      const labels = this.conditional
        ? this.oneHot(options.classes ?? balancedClasses(n, this.config.classes))
        : undefined;
      const images = this.drawing.apply(
        z,
        (options.mode ?? "eval") === "eval"
          ? { training: false, labels }
          : { training: true, rng: new Rng(1), updateStats: false, labels },
      );
      // a style-based G's training-mode images are linear (StyleGAN's); the rest are tanh's
      return tf.clipByValue(images, -1, 1);
    }) as tf.Tensor4D;
  }

  /**
   * `n` images as float32 `[n, 28, 28]` values in [0, 1], in evaluation mode, `batchSize` at a
   * time, from standard normal noise seeded by `seed`.
   *
   * @throws {OptionError} naming `classOf` when it is given to an unconditional generator or is
   * not a class.
   */
  async sample(n: number, options: SampleOptions = {}): Promise<Float32Array> {
    const { seed = 0, classOf, batchSize = 256 } = options;
    const k = this.config.classes;
    if (
      classOf !== undefined && !(k > 0 && Number.isInteger(classOf) && classOf >= 0 && classOf < k)
    ) {
      throw new OptionError(
        k > 0
          ? `{classOf}: class ${classOf} is not one of 0..${k - 1}`
          : `{classOf}: ${this.config.kind} is not class-conditional: it cannot sample a given class`,
      );
    }
    const classes = k > 0
      ? (classOf !== undefined ? new Int32Array(n).fill(classOf) : balancedClasses(n, k))
      : undefined;
    const zDim = this.config.zDim;
    const rng = new Rng(seed);
    const out = new Float32Array(n * 784);
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const z = rng.fillNormal(new Float32Array(b * zDim));
      const images = await this.fromLatents(z, { classes: classes?.subarray(start, start + b) });
      out.set(images, start * 784);
    }
    return out;
  }

  /**
   * Images as float32 `[n, 28, 28]` values in [0, 1] from the latent vectors `z` (a tensor
   * `[n, zDim]`, or `n * zDim` values row after row); a conditional G draws `classes[i]` for
   * row i.
   */
  async fromLatents(
    z: Float32Array | tf.Tensor2D,
    options: GenerateOptions = {},
  ): Promise<Float32Array> {
    const zDim = this.config.zDim;
    if (z instanceof Float32Array && z.length % zDim !== 0) {
      throw new Error(`fromLatents: ${z.length} values are not rows of ${zDim}`);
    }
    const n = z instanceof Float32Array ? z.length / zDim : z.shape[0];
    // in evaluation mode an image depends on its own row only: draw FROM_LATENTS_CHUNK at a
    // time, so thousands of rows fit the wasm heap (1,500 StyleGAN images at once do not)
    if (n <= FROM_LATENTS_CHUNK || (options.mode ?? "eval") !== "eval") {
      return await this.#fromLatents(z, options);
    }
    const classes = this.conditional
      ? (options.classes ?? balancedClasses(n, this.config.classes))
      : undefined;
    const out = new Float32Array(n * 784);
    for (let start = 0; start < n; start += FROM_LATENTS_CHUNK) {
      const end = Math.min(n, start + FROM_LATENTS_CHUNK);
      const part = z instanceof Float32Array
        ? z.subarray(start * zDim, end * zDim)
        : tf.slice(z, [start, 0], [end - start, zDim]);
      try {
        const images = await this.#fromLatents(part, {
          ...options,
          classes: classes && Array.from({ length: end - start }, (_, i) => classes[start + i]),
        });
        out.set(images, start * 784);
      } finally {
        if (!(part instanceof Float32Array)) part.dispose();
      }
    }
    return out;
  }

  async #fromLatents(
    z: Float32Array | tf.Tensor2D,
    options: GenerateOptions,
  ): Promise<Float32Array> {
    const zDim = this.config.zDim;
    // drawn in float32 whatever precision trains (the shipped models' scores were measured so)
    return await readTidyAsync(() =>
      withPrecision("fp32", () => {
        const latents = z instanceof Float32Array ? tf.tensor2d(z, [z.length / zDim, zDim]) : z;
        return tf.div(tf.add(this.generate(latents, options), 1), 2); // [-1, 1] -> [0, 1]
      })
    );
  }

  /** Frees G's and the EMA copy's variables. */
  dispose(): void {
    this.network.store.dispose();
    this.ema?.store.dispose();
  }
}

function variables(net: Network): Map<string, tf.Variable> {
  return new Map(net.store.entries());
}
