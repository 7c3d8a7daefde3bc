/**
 * The report's training step (appendix A.4) over one GAN: a {@link Generator} (G, and its
 * moving average when `config.emaDecay` > 0), D, two Adam optimisers, a loss from the table of
 * `losses.ts`, and one seeded random stream for noise and dropout masks.
 *
 * Per batch: a D step (real images against a fresh fake batch detached from G), then, when the
 * batch index within the epoch is divisible by `gEvery` (the report's `i % 2 == 0`), a G step
 * on fresh noise. Both networks run in training mode throughout, as in the report. With the
 * report's BCE, D's targets are 0.9 (real) and 0.1 (fake) and G's is 1; `config.loss` picks
 * another objective. Every step returns plain numbers; no tensor outlives a step except the
 * models' and the optimisers' own variables; each update reads its loss back once, before it
 * is applied (so a non-finite loss applies nothing).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { readTidyAsync } from "../backend/read_tidy.ts";
import { assignStored, type Checkpoint } from "../io/checkpoint_format.ts";
import { EMA_PREFIX, G_PREFIX, Generator } from "../models/generator.ts";
import type { ForwardContext } from "../models/layers.ts";
import type { Network } from "../models/network.ts";
import { createGan, createGenerator } from "../models/registry.ts";
import { OptionError } from "../option_error.ts";
import { deriveSeed, Rng, type RngState } from "../random.ts";
import { Adam } from "./adam.ts";
import { type GanLoss, ganLoss } from "./losses.ts";
import { emaDecayAt, type TrainConfig } from "./train_config.ts";

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

/** A GAN with its optimisers and random stream: owns all their tensors (call `dispose()`). */
export class GanTrainer {
  /** G and its EMA copy: what sampling, grids and scores use. */
  readonly generator: Generator;
  /** D: image -> logit (or critic score). */
  readonly discriminator: Network;
  /** The objective of `config.loss`. */
  readonly loss: GanLoss;
  /** G's optimiser. */
  readonly optG: Adam;
  /** D's optimiser. */
  readonly optD: Adam;
  /** Noise, dropout masks, fake classes and WGAN-GP's mixing come from here. */
  readonly rng: Rng;

  /** Builds the GAN of `config.model` initialised from `config.seed`. */
  constructor(readonly config: TrainConfig) {
    if (!(config.emaDecay >= 0 && config.emaDecay < 1)) {
      throw new OptionError(`{emaDecay} must be in [0, 1), got ${config.emaDecay}`);
    }
    this.loss = ganLoss(config.loss);
    const gan = createGan(config.model, config.seed);
    // the EMA copy starts equal to G (same seed, same initial weights)
    const ema = config.emaDecay > 0 ? createGenerator(config.model, config.seed) : null;
    this.generator = new Generator(config.model, gan.generator, ema);
    this.discriminator = gan.discriminator;
    const adam = (lr: number) => ({
      lr,
      beta1: config.beta1,
      beta2: config.beta2,
      eps: config.adamEps,
    });
    this.optG = new Adam(gan.generator.store.params, adam(config.lrG));
    this.optD = new Adam(gan.discriminator.store.params, adam(config.lrD));
    this.rng = new Rng(deriveSeed(config.seed, "train-noise"));
  }

  /** Steps completed (the generator's step count). */
  get step(): number {
    return this.generator.step;
  }

  /** Standard normal latent vectors `[n, zDim]` from the trainer's stream. */
  noise(n: number): tf.Tensor2D {
    const z = this.config.model.zDim;
    return tf.tensor2d(this.rng.fillNormal(new Float32Array(n * z)), [n, z]);
  }

  #ctx(labels?: tf.Tensor2D): ForwardContext {
    return { training: true, rng: this.rng, labels };
  }

  /** Uniform random one-hot labels `[n, classes]` from the trainer's stream; undefined if unconditional. */
  #randomLabels(n: number): tf.Tensor2D | undefined {
    if (!this.generator.conditional) return undefined;
    const k = this.config.model.classes;
    const u = this.rng.fillUniform(new Float32Array(n));
    return this.generator.oneHot(Array.from(u, (v) => Math.min(k - 1, Math.floor(v * k))));
  }

  /**
   * The fake batch's inputs of one step, drawn from the trainer's stream: random classes (a
   * conditional G), then noise `[n, zDim]`. The caller disposes them.
   */
  fakeInput(n: number): FakeInput {
    const labels = this.#randomLabels(n);
    return { z: this.noise(n), labels };
  }

  /**
   * The D step: D minimises the loss's D objective on `real` images `[b, 28, 28, 1]` and a
   * fake batch drawn by G from `fake` (default: drawn here), detached from G, plus the loss's
   * penalty (WGAN-GP). G's weights are not touched (its BatchNorm running statistics are, as
   * in PyTorch's training mode). Conditional models need `realLabels` (class indices `[b]`).
   */
  async discriminatorStep(
    real: tf.Tensor4D,
    realLabels?: tf.Tensor1D,
    fake?: FakeInput,
  ): Promise<{ dLoss: number; dReal: number; dFake: number }> {
    const b = real.shape[0], G = this.generator.network, D = this.discriminator;
    const loss = this.loss, config = this.config;
    if (this.generator.conditional && !realLabels) {
      throw new Error(
        `${config.model.kind} is class-conditional: the D step needs the batch's labels`,
      );
    }
    const input = fake ?? this.fakeInput(b);
    const yReal = this.generator.conditional ? this.generator.oneHot(realLabels!) : undefined;
    const images = tf.tidy(() => G.apply(input.z, this.#ctx(input.labels))); // detached from G
    // a lazy penalty (R1) applies every `every` D steps, the first included, scaled by `every`
    const every = loss.penaltyEvery?.(config) ?? 1;
    const penalise = loss.penalty !== undefined && this.optD.step % every === 0;
    const mix = penalise ? tf.tensor1d(this.rng.fillUniform(new Float32Array(b))) : undefined;
    // the penalty's critic: composite ops (differentiable twice), no running-statistics update
    const critic = (x: tf.Tensor) =>
      D.apply(x, { ...this.#ctx(yReal), updateStats: false, twiceDifferentiable: true });
    let shown: tf.Tensor | undefined, grads: tf.NamedTensorMap | undefined;
    try {
      // D objective: real images scored as real, G's as fake (+ penalty)
      const out = tf.variableGrads(() => {
        const outReal = D.apply(real, this.#ctx(yReal));
        const outFake = D.apply(images, this.#ctx(input.labels));
        shown = tf.keep(tf.stack([tf.mean(loss.shown(outReal)), tf.mean(loss.shown(outFake))]));
        const dLoss = loss.discriminator(outReal, outFake, config);
        if (!mix) return dLoss;
        const penalty = loss.penalty!(critic, real, images, mix, config);
        return tf.add(dLoss, every === 1 ? penalty : tf.mul(penalty, every));
      }, [...D.store.params.values()]) as { value: tf.Scalar; grads: tf.NamedTensorMap };
      grads = out.grads;
      const [dLoss, dReal, dFake] = await readAndDispose(out.value, shown);
      this.#update(this.optD, D, grads, "D", dLoss);
      loss.afterDiscriminatorStep?.(D.store.params.values(), config);
      return { dLoss, dReal, dFake };
    } finally {
      tf.dispose(
        [images, mix, yReal, ...Object.values(grads ?? {})].filter((x) => x !== undefined),
      );
      if (!fake) tf.dispose([input.z, input.labels].filter((x) => x !== undefined));
    }
  }

  /**
   * The G step: G minimises the loss's G objective on D's outputs for G's images (noise `z`
   * when given, else fresh). D's weights are not touched (its BatchNorm running statistics
   * are); a conditional G draws random classes, which D then sees with the images. The EMA copy
   * then moves towards G.
   */
  async generatorStep(batchSize: number, z?: tf.Tensor2D): Promise<{ gLoss: number }> {
    const G = this.generator.network, D = this.discriminator;
    const y = this.#randomLabels(batchSize);
    const noise = z ?? this.noise(batchSize);
    let grads: tf.NamedTensorMap | undefined;
    try {
      // G objective: D scores G's images as real
      const out = tf.variableGrads(
        () => this.loss.generator(D.apply(G.apply(noise, this.#ctx(y)), this.#ctx(y)), this.config),
        [...G.store.params.values()],
      );
      grads = out.grads;
      const [gLoss] = await readAndDispose(out.value);
      this.#update(this.optG, G, grads, "G", gLoss);
      this.#updateEma();
      return { gLoss };
    } finally {
      tf.dispose(
        [y, ...(z ? [] : [noise]), ...Object.values(grads ?? {})].filter((x) => x !== undefined),
      );
    }
  }

  /** Applies `grads` to `net` with `opt` when `loss` is finite (the caller frees `grads`). */
  #update(opt: Adam, net: Network, grads: tf.NamedTensorMap, which: string, loss: number): void {
    if (!Number.isFinite(loss)) throw new NonFiniteLossError(this.step + 1, which, loss);
    const byName = new Map<string, tf.Tensor>();
    for (const [name, v] of net.store.params) byName.set(name, grads[v.name]);
    opt.apply(byName);
  }

  /** Moves the EMA copy towards G: w_ema <- d w_ema + (1 - d) w; buffers are copied. */
  #updateEma(): void {
    const ema = this.generator.ema;
    if (!ema) return;
    const d = emaDecayAt(this.config, this.step);
    const G = this.generator.network.store;
    for (const [name, v] of ema.store.params) {
      const w = G.params.get(name)!;
      tf.tidy(() => v.assign(tf.add(tf.mul(v, d), tf.mul(w, 1 - d))));
    }
    for (const [name, v] of ema.store.buffers) {
      tf.tidy(() => v.assign(tf.clone(G.buffers.get(name)!)));
    }
  }

  /**
   * One step of the report's loop on a batch: the D step, then the G step when
   * `batchIndex % gEvery == 0`. Returns the step's record; the batch stays the caller's.
   * `labels` (class indices `[b]`) are needed by conditional models only.
   */
  async trainStep(
    images: tf.Tensor4D,
    epoch: number,
    batchIndex: number,
    labels?: tf.Tensor1D,
  ): Promise<StepRecord> {
    const b = images.shape[0];
    const fake = this.fakeInput(b); // the D step's fake batch (and the G step's, if reused)
    try {
      const d = await this.discriminatorStep(images, labels, fake);
      let gLoss: number | null = null;
      if (batchIndex % this.config.gEvery === 0) {
        gLoss = (await this.generatorStep(b, this.config.reuseFakeForG ? fake.z : undefined)).gLoss;
      }
      this.generator.step += 1;
      return {
        step: this.step,
        epoch,
        batch: batchIndex,
        dLoss: d.dLoss,
        gLoss,
        dReal: d.dReal,
        dFake: d.dFake,
      };
    } finally {
      tf.dispose([fake.z, fake.labels].filter((x) => x !== undefined));
    }
  }

  /** Every tensor of the trainer's state, by checkpoint name (not copies). */
  stateTensors(): Map<string, tf.Tensor> {
    const out = this.generator.stateTensors(); // G/ and Gema/
    for (const [n, v] of this.discriminator.store.entries()) out.set(`D/${n}`, v);
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
    const variables = (net: Network) => new Map(net.store.entries());
    assignStored(variables(this.generator.network), ckpt.tensors, G_PREFIX, what);
    assignStored(variables(this.discriminator), ckpt.tensors, "D/", what);
    if (this.generator.ema) {
      assignStored(variables(this.generator.ema), ckpt.tensors, EMA_PREFIX, what);
    }
    this.optG.restore(ckpt.tensors, "optG/", ckpt.meta.optGStep, what);
    this.optD.restore(ckpt.tensors, "optD/", ckpt.meta.optDStep, what);
    this.generator.step = ckpt.meta.step;
    this.rng.state = ckpt.meta.rng;
  }

  /** Frees the networks and optimiser state. */
  dispose(): void {
    this.optG.dispose();
    this.optD.dispose();
    this.generator.dispose();
    this.discriminator.store.dispose();
  }
}

/** The inputs of a fake batch: noise and, for a conditional G, one-hot classes. */
export interface FakeInput {
  /** Latent vectors `[b, zDim]`. */
  z: tf.Tensor2D;
  /** One-hot classes `[b, classes]` (conditional models only). */
  labels?: tf.Tensor2D;
}

/**
 * Reads a loss and optional stats in one download (asynchronously: a GPU backend in Deno can
 * only be read so), then frees them. This is the read of each D and each G update.
 */
async function readAndDispose(loss: tf.Scalar, stats?: tf.Tensor): Promise<number[]> {
  try {
    const values = await readTidyAsync(() =>
      stats ? tf.concat([tf.reshape(loss, [1]), stats]) : tf.reshape(loss, [1])
    );
    return Array.from(values);
  } finally {
    tf.dispose([loss, ...(stats ? [stats] : [])]);
  }
}
