/**
 * The report's training step (appendix A.4) as small named steps over one GAN, its two Adam
 * optimisers and one seeded random stream for noise and dropout masks.
 *
 * Per batch: a D step (real images against `realLabel` 0.9, a fresh fake batch, detached from
 * G, against `fakeLabel` 0.1, loss = sum of both BCEs), then, when the batch index within the
 * epoch is divisible by `gEvery` (the report's `i % 2 == 0`), a G step on fresh noise against
 * `generatorLabel` 1. Both networks run in training mode throughout, as in the report.
 * `config.loss` swaps the BCE for another loss of `losses.ts` (WGAN adds weight clipping after
 * each D step, WGAN-GP a gradient penalty); `config.emaDecay` > 0 keeps an exponential moving
 * average of G's weights that `generate` (grids, scores) then uses.
 * Every step returns plain numbers; no tensor outlives a step except the model's and the
 * optimisers' own variables.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { createGan } from "../models/create_gan.ts";
import type { ForwardContext } from "../models/layers.ts";
import type { Gan, Network } from "../models/network.ts";
import { deriveSeed, Rng, type RngState } from "../random.ts";
import { Adam } from "./adam.ts";
import { assignStored, type Checkpoint } from "./checkpoint.ts";
import { discriminatorLoss, generatorLoss, gradientPenalty, LOSS_KINDS } from "./losses.ts";
import type { TrainConfig } from "./train_config.ts";

/** What one training step did, as stored in `history.jsonl`. */
export interface StepRecord {
  /** 1-based global step number. */
  step: number;
  /** 1-based epoch. */
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  /** D's loss: BCE(D(x), real) + BCE(D(G(z)), fake) (or `config.loss`'s, penalty included). */
  dLoss: number;
  /** G's loss BCE(D(G(z)), 1) (or `config.loss`'s), or null when G was not updated this step. */
  gLoss: number | null;
  /**
   * Mean D(x) on the real batch: a probability (sigmoid of the logit) for the BCE loss, the raw
   * critic score for the others.
   */
  dReal: number;
  /** Mean D(G(z)) on the D step's fake batch, likewise. */
  dFake: number;
}

/** Raised when a loss is NaN or infinite; the step's update was not applied. */
export class NonFiniteLossError extends Error {
  /** Creates the error for `which` loss at global step `step`. */
  constructor(readonly step: number, which: string, value: number) {
    super(
      `${which} loss is ${value} at step ${step}; training stopped before applying that update`,
    );
    this.name = "NonFiniteLossError";
  }
}

/** Checkpoint metadata of a trainer's state. */
export interface TrainerMeta {
  /** The run's configuration. */
  config: TrainConfig;
  /** Steps completed. */
  step: number;
  /** The random stream for noise and dropout. */
  rng: RngState;
  /** Adam step counts. */
  optGStep: number;
  optDStep: number;
}

function gradsByName(net: Network, grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of net.store.params) out.set(name, grads[v.name]);
  return out;
}

/** A GAN with its optimisers and random stream: owns all their tensors (call `dispose()`). */
export class GanTrainer {
  /** The networks. */
  readonly gan: Gan;
  /** G's optimiser. */
  readonly optG: Adam;
  /** D's optimiser. */
  readonly optD: Adam;
  /** Noise and dropout masks come from here. */
  readonly rng: Rng;
  /** Steps completed. */
  step = 0;
  /** The moving average of G's weights (same architecture), when `config.emaDecay` > 0. */
  readonly emaGenerator: Network | null;

  /** Builds the GAN of `config.model` initialised from `config.seed`. */
  constructor(readonly config: TrainConfig) {
    if (!(config.emaDecay >= 0 && config.emaDecay < 1)) {
      throw new Error(`emaDecay must be in [0, 1), got ${config.emaDecay}`);
    }
    if (!LOSS_KINDS.includes(config.loss)) {
      throw new Error(`unknown loss '${config.loss}': expected one of ${LOSS_KINDS.join(", ")}`);
    }
    this.gan = createGan(config.model, config.seed);
    this.emaGenerator = null;
    if (config.emaDecay > 0) {
      const copy = createGan(config.model, config.seed); // same seed: starts equal to G
      copy.discriminator.store.dispose();
      this.emaGenerator = copy.generator;
    }
    const adam = (lr: number) => ({
      lr,
      beta1: config.beta1,
      beta2: config.beta2,
      eps: config.adamEps,
    });
    this.optG = new Adam(this.gan.generator.store.params, adam(config.lrG));
    this.optD = new Adam(this.gan.discriminator.store.params, adam(config.lrD));
    this.rng = new Rng(deriveSeed(config.seed, "train-noise"));
  }

  /** Standard normal latent vectors `[n, zDim]` from the trainer's stream. */
  noise(n: number): tf.Tensor2D {
    const z = this.config.model.zDim;
    return tf.tensor2d(this.rng.fillNormal(new Float32Array(n * z)), [n, z]);
  }

  #ctx(labels?: tf.Tensor2D): ForwardContext {
    return { training: true, rng: this.rng, labels };
  }

  /** Whether the networks take class labels (`cdcgan`). */
  get conditional(): boolean {
    return this.config.model.classes > 0;
  }

  /** One-hot labels `[n, classes]` for class indices `classes` (for conditional models). */
  oneHot(classes: ArrayLike<number> | tf.Tensor1D): tf.Tensor2D {
    const k = this.config.model.classes;
    return tf.tidy(() =>
      tf.oneHot(
        classes instanceof tf.Tensor ? classes.toInt() : tf.tensor1d(Array.from(classes), "int32"),
        k,
      ).toFloat()
    ) as tf.Tensor2D;
  }

  /** Uniform random one-hot labels `[n, classes]` from the trainer's stream; undefined if unconditional. */
  #randomLabels(n: number): tf.Tensor2D | undefined {
    if (!this.conditional) return undefined;
    const k = this.config.model.classes;
    const u = this.rng.fillUniform(new Float32Array(n));
    return this.oneHot(Array.from(u, (v) => Math.min(k - 1, Math.floor(v * k))));
  }

  /**
   * One D update on `real` images `[b, 28, 28, 1]` against a fresh fake batch. G's weights are
   * not touched (its BatchNorm running statistics are, as in PyTorch's training mode).
   * Conditional models need `realLabels` (class indices `[b]`); fake images get random classes.
   */
  discriminatorStep(
    real: tf.Tensor4D,
    realLabels?: tf.Tensor1D,
  ): { dLoss: number; dReal: number; dFake: number; z: tf.Tensor2D } {
    const b = real.shape[0];
    if (this.conditional && !realLabels) {
      throw new Error(
        `${this.config.model.kind} is class-conditional: the D step needs the batch's labels`,
      );
    }
    const yReal = this.conditional ? this.oneHot(realLabels!) : undefined;
    const yFake = this.#randomLabels(b);
    const z = this.noise(b);
    const fake = tf.tidy(() => this.gan.generator.apply(z, this.#ctx(yFake)));
    const D = this.gan.discriminator;
    let stats: tf.Tensor | undefined;
    const loss = this.config.loss;
    const mix = loss === "wgan-gp" ? tf.tensor1d(this.rng.fillUniform(new Float32Array(b))) : null;
    const { value, grads } = tf.variableGrads(() => {
      const logitReal = D.apply(real, this.#ctx(yReal));
      const logitFake = D.apply(fake, this.#ctx(yFake));
      const shown = (t: tf.Tensor) => tf.mean(loss === "bce" ? tf.sigmoid(t) : t);
      stats = tf.keep(tf.stack([shown(logitReal), shown(logitFake)]));
      const dLoss = discriminatorLoss(loss, logitReal, logitFake, this.config);
      if (!mix) return dLoss;
      // composite ops (differentiable twice); running statistics left to the loss's passes;
      // a conditional critic sees the real images' labels at the mixed points
      const critic = (x: tf.Tensor) =>
        D.apply(x, { ...this.#ctx(yReal), updateStats: false, twiceDifferentiable: true });
      const penalty = gradientPenalty(critic, real, fake, mix);
      return tf.add(dLoss, tf.mul(penalty, this.config.gpWeight)) as tf.Scalar;
    }, [...D.store.params.values()]);
    tf.dispose([fake, ...(mix ? [mix] : []), ...(yReal ? [yReal] : []), ...(yFake ? [yFake] : [])]);
    const [dLoss, dReal, dFake] = readAndDispose(value, stats!);
    try {
      if (!Number.isFinite(dLoss)) throw new NonFiniteLossError(this.step + 1, "D", dLoss);
      this.optD.apply(gradsByName(D, grads));
      if (loss === "wgan") this.#clipDiscriminator();
    } catch (err) {
      z.dispose();
      throw err;
    } finally {
      tf.dispose(grads);
    }
    return { dLoss, dReal, dFake, z };
  }

  /** WGAN's weight clipping: every D parameter into [-wganClip, wganClip]. */
  #clipDiscriminator(): void {
    const c = this.config.wganClip;
    for (const v of this.gan.discriminator.store.params.values()) {
      // assign a new tensor (not an in-place write): wasm caches packed weights by tensor
      tf.tidy(() => v.assign(tf.clipByValue(v, -c, c)));
    }
  }

  /** Moves the EMA generator towards G: w_ema <- d w_ema + (1 - d) w; buffers are copied. */
  #updateEma(): void {
    const ema = this.emaGenerator;
    if (!ema) return;
    const d = this.config.emaDecay;
    const G = this.gan.generator.store;
    for (const [name, v] of ema.store.params) {
      const w = G.params.get(name)!;
      tf.tidy(() => v.assign(tf.add(tf.mul(v, d), tf.mul(w, 1 - d))));
    }
    for (const [name, v] of ema.store.buffers) {
      tf.tidy(() => v.assign(tf.clone(G.buffers.get(name)!)));
    }
  }

  /**
   * One G update: G's images scored by D against `generatorLabel`. D's weights are not touched
   * (its BatchNorm running statistics are). Uses `z` when given, else fresh noise; a
   * conditional G draws random classes, which D then sees with the images.
   */
  generatorStep(batchSize: number, z?: tf.Tensor2D): { gLoss: number } {
    const y = this.#randomLabels(batchSize);
    const noise = z ?? this.noise(batchSize);
    const G = this.gan.generator, D = this.gan.discriminator;
    const { value, grads } = tf.variableGrads(
      () =>
        generatorLoss(
          this.config.loss,
          D.apply(G.apply(noise, this.#ctx(y)), this.#ctx(y)),
          this.config,
        ),
      [...G.store.params.values()],
    );
    if (!z) noise.dispose();
    y?.dispose();
    const [gLoss] = readAndDispose(value);
    try {
      if (!Number.isFinite(gLoss)) throw new NonFiniteLossError(this.step + 1, "G", gLoss);
      this.optG.apply(gradsByName(G, grads));
      this.#updateEma();
    } finally {
      tf.dispose(grads);
    }
    return { gLoss };
  }

  /**
   * One step of the report's loop on a batch: the D step, then the G step when
   * `batchIndex % gEvery == 0`. Returns the step's record; the batch stays the caller's.
   * `labels` (class indices `[b]`) are needed by conditional models only.
   */
  trainStep(
    images: tf.Tensor4D,
    epoch: number,
    batchIndex: number,
    labels?: tf.Tensor1D,
  ): StepRecord {
    const d = this.discriminatorStep(images, labels);
    let gLoss: number | null = null;
    try {
      if (batchIndex % this.config.gEvery === 0) {
        gLoss =
          this.generatorStep(images.shape[0], this.config.reuseFakeForG ? d.z : undefined).gLoss;
      }
    } finally {
      d.z.dispose();
    }
    this.step += 1;
    return {
      step: this.step,
      epoch,
      batch: batchIndex,
      dLoss: d.dLoss,
      gLoss,
      dReal: d.dReal,
      dFake: d.dFake,
    };
  }

  /**
   * Images `[n, 28, 28, 1]` in [-1, 1] from latent vectors `z`, in the given BatchNorm mode,
   * from the EMA generator when there is one, else from G. A conditional G draws class
   * `classes[i]` for image i (default {@link balancedClasses}: for 100 images, 10 rows of 10).
   */
  generate(
    z: tf.Tensor2D,
    mode: "eval" | "train" = "eval",
    classes?: ArrayLike<number>,
  ): tf.Tensor4D {
    const G = this.emaGenerator ?? this.gan.generator;
    const n = z.shape[0];
    return tf.tidy(() => {
      const labels = this.conditional
        ? this.oneHot(classes ?? balancedClasses(n, this.config.model.classes))
        : undefined;
      return G.apply(
        z,
        mode === "eval"
          ? { training: false, labels }
          : { training: true, rng: new Rng(1), updateStats: false, labels },
      );
    }) as tf.Tensor4D;
  }

  /** Every tensor of the trainer's state, by checkpoint name (not copies). */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [n, v] of this.gan.generator.store.entries()) out.set(`G/${n}`, v);
    for (const [n, v] of this.gan.discriminator.store.entries()) out.set(`D/${n}`, v);
    for (const [n, v] of this.emaGenerator?.store.entries() ?? []) out.set(`Gema/${n}`, v);
    for (const [n, t] of this.optG.stateTensors()) out.set(`optG/${n}`, t);
    for (const [n, t] of this.optD.stateTensors()) out.set(`optD/${n}`, t);
    return out;
  }

  /** The trainer's scalar state, for checkpoints. */
  meta(): TrainerMeta {
    return {
      config: this.config,
      step: this.step,
      rng: this.rng.state,
      optGStep: this.optG.step,
      optDStep: this.optD.step,
    };
  }

  /**
   * Restores the state saved in `ckpt`.
   *
   * @param what names the checkpoint in error messages.
   * @throws when the checkpoint is for another model or its tensors do not fit.
   */
  restore(ckpt: Checkpoint<TrainerMeta>, what: string): void {
    const saved = ckpt.meta.config?.model?.kind;
    if (saved !== this.config.model.kind) {
      throw new Error(
        `${what}: checkpoint is for model '${saved}', this run is '${this.config.model.kind}'`,
      );
    }
    const vars = (store: Map<string, tf.Variable>, entries: [string, tf.Variable][]) => {
      for (const [n, v] of entries) store.set(n, v);
      return store;
    };
    assignStored(vars(new Map(), this.gan.generator.store.entries()), ckpt.tensors, "G/", what);
    assignStored(vars(new Map(), this.gan.discriminator.store.entries()), ckpt.tensors, "D/", what);
    if (this.emaGenerator) {
      assignStored(vars(new Map(), this.emaGenerator.store.entries()), ckpt.tensors, "Gema/", what);
    }
    assignStored(this.optG.stateTensors() as Map<string, tf.Variable>, ckpt.tensors, "optG/", what);
    assignStored(this.optD.stateTensors() as Map<string, tf.Variable>, ckpt.tensors, "optD/", what);
    this.step = ckpt.meta.step;
    this.optG.step = ckpt.meta.optGStep;
    this.optD.step = ckpt.meta.optDStep;
    this.rng.state = ckpt.meta.rng;
  }

  /** Frees the networks and optimiser state. */
  dispose(): void {
    this.optG.dispose();
    this.optD.dispose();
    this.gan.generator.store.dispose();
    this.gan.discriminator.store.dispose();
    this.emaGenerator?.store.dispose();
  }
}

/** Reads a loss and optional stats in one download, then frees them. */
function readAndDispose(loss: tf.Scalar, stats?: tf.Tensor): number[] {
  const all = tf.tidy(
    () => (stats ? tf.concat([tf.reshape(loss, [1]), stats]) : tf.reshape(loss, [1])),
  );
  const values = Array.from(all.dataSync());
  tf.dispose([all, loss, ...(stats ? [stats] : [])]);
  return values;
}

/**
 * Class indices for `n` images spread evenly over `classes` in contiguous runs:
 * floor(i * classes / n) (100 images: ten of class 0, then ten of class 1, ...).
 */
export function balancedClasses(n: number, classes: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => Math.floor((i * classes) / n));
}
