/**
 * CycleGAN's training step (Zhu et al. 2017) between two classes A and B: generators G_AB and
 * G_BA, PatchGAN discriminators D_A and D_B, least-squares adversarial losses (the paper's), a
 * cycle-consistency loss (A -> B -> A returns the input, and B -> A -> B) weighted 10 and an
 * identity loss (G_AB leaves a B image as it is, G_BA an A image) weighted 5, the paper's
 * defaults. Per step, as the paper's code: the G step on both generators together, then each D
 * on real images against a pool of the generators' past images (`image_pool.ts`).
 *
 * Optionally (`classWeight` > 0) StarGAN's domain-classification loss (Choi et al. 2018): a
 * classifier C, a PatchGAN whose patch logits are averaged into one, learns A against B on the
 * real images in the D step, and each generator is also trained so that C reads its translations
 * as the target class. The adversarial loss asks for images D cannot tell from the target class's;
 * this one asks for images on the target's side of the boundary between the two classes, which
 * matters where the two classes look alike (T-shirt/top and shirt).
 *
 * Every step returns plain numbers; no tensor outlives a step but the networks', the
 * optimisers' and nothing else (the pools hold plain arrays); a non-finite loss applies nothing.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { readTidyAsync } from "../backend/read_tidy.ts";
import { assignStored, type Checkpoint } from "../io/checkpoint_format.ts";
import {
  defaultTranslatorConfig,
  patchDiscriminator,
  type TranslatorConfig,
  translatorGenerator,
} from "../models/cyclegan.ts";
import type { ForwardContext } from "../models/layers.ts";
import type { Network } from "../models/network.ts";
import { OptionError } from "../option_error.ts";
import { deriveSeed, Rng, type RngState } from "../random.ts";
import { Adam } from "./adam.ts";
import { NonFiniteLossError } from "./gan_trainer.ts";
import { ImagePool } from "./image_pool.ts";

/** Everything a translation run depends on. */
export interface CycleConfig {
  /** The four networks. */
  model: TranslatorConfig;
  /** Class of domain A (0..9). */
  from: number;
  /** Class of domain B (0..9). */
  to: number;
  /** Seed of the weights, the data order and the pools' draws. */
  seed: number;
  /** Images of each domain per step. The paper: 1 (at 256x256); 16 here, for two cores. */
  batchSize: number;
  /** Adam learning rate of all four networks. The paper: 2e-4. */
  lr: number;
  /** Adam beta1. The paper: 0.5. */
  beta1: number;
  /** Adam beta2. The paper: 0.999. */
  beta2: number;
  /** Weight of the cycle-consistency loss. The paper: 10. */
  cycleWeight: number;
  /** Weight of the identity loss. The paper: 0.5 x the cycle weight = 5. */
  identityWeight: number;
  /** Past generated images each D learns from. The paper: 50. */
  poolSize: number;
  /**
   * Weight of the domain-classification loss (module docs). CycleGAN: 0 (no classifier);
   * StarGAN's weight: 1. Configs saved before it existed read as 0.
   */
  classWeight: number;
  /** Passes over the smaller class's training images. */
  epochs: number;
  /** Stop after this many steps in total (counting steps before a resume); null: no limit. */
  maxSteps: number | null;
  /** Also checkpoint every this many steps (0: epoch ends only). */
  checkpointEvery: number;
  /** Write a grid of fixed test images and their translations every this many epochs. */
  sampleEvery: number;
}

/** The paper's settings for translating class `from` to class `to`. */
export function defaultCycleConfig(from: number, to: number): CycleConfig {
  return {
    model: defaultTranslatorConfig(),
    from,
    to,
    seed: 0,
    batchSize: 16,
    lr: 2e-4,
    beta1: 0.5,
    beta2: 0.999,
    cycleWeight: 10,
    identityWeight: 5,
    poolSize: 50,
    classWeight: 0,
    epochs: 10,
    maxSteps: null,
    checkpointEvery: 500,
    sampleEvery: 1,
  };
}

/** What one step did. */
export interface CycleStepRecord {
  /** 1-based global step. */
  step: number;
  /** The generators' total loss (adversarial + cycle + identity, weighted). */
  gLoss: number;
  /** Their adversarial part: MSE(D_B(G_AB(a)), 1) + MSE(D_A(G_BA(b)), 1). */
  adversarial: number;
  /** Mean |G_BA(G_AB(a)) - a| + mean |G_AB(G_BA(b)) - b|, unweighted. */
  cycle: number;
  /** Mean |G_AB(b) - b| + mean |G_BA(a) - a|, unweighted. */
  identity: number;
  /**
   * With a classifier: BCE(C(G_AB(a)), B) + BCE(C(G_BA(b)), A), unweighted (C's logit says
   * "B"); 0 without.
   */
  classification: number;
  /** D_A's loss: ½ MSE(D_A(a), 1) + ½ MSE(D_A(pooled fake a), 0). */
  dA: number;
  /** D_B's loss, likewise. */
  dB: number;
  /** With a classifier: its loss on the real images, BCE(C(a), A) + BCE(C(b), B); 0 without. */
  dC: number;
}

/** Checkpoint metadata of a {@link CycleTrainer}. */
export interface CycleMeta {
  config: CycleConfig;
  step: number;
  rng: RngState;
  optGStep: number;
  optDStep: number;
}

const NETS = ["G_AB", "G_BA", "D_A", "D_B", "C"] as const;
type NetName = typeof NETS[number];

/**
 * `config` as saved by any version: fields added since (`classWeight`) take the value that
 * reproduces what the older code did.
 */
export function withCycleDefaults(config: CycleConfig): CycleConfig {
  // the defaults' key order first, so the JSON of an old config and a new one compare equal;
  // the default of every field added since is what the older code did (classWeight 0)
  return { ...defaultCycleConfig(config.from, config.to), ...config };
}

/** Binary cross-entropy of logits `[b]` against the label "B" (1) or "A" (0), as softplus. */
function domainLoss(logits: tf.Tensor, isB: boolean): tf.Scalar {
  return tf.mean(tf.softplus(isB ? tf.neg(logits) : logits)) as tf.Scalar;
}

/** Two generators, two discriminators, their optimisers and pools. Call `dispose()`. */
export class CycleTrainer {
  /** The networks, by name; C only with a classification loss. */
  readonly nets: Readonly<Record<Exclude<NetName, "C">, Network> & { C?: Network }>;
  /** One Adam over both generators, one over both discriminators (the paper's code). */
  readonly optG: Adam;
  readonly optD: Adam;
  /** Pools of past G_BA images (for D_A) and G_AB images (for D_B). */
  readonly poolA: ImagePool;
  readonly poolB: ImagePool;
  /** The pools' draws. */
  readonly rng: Rng;
  /** Steps done. */
  step = 0;

  /** The configuration (saved configs completed by {@link withCycleDefaults}). */
  readonly config: CycleConfig;

  /** Builds the networks of `config`, initialised from `config.seed`. */
  constructor(config: CycleConfig) {
    config = this.config = withCycleDefaults(config);
    if (config.from === config.to) {
      throw new OptionError(`{from} and {to} are both class ${config.from}: translate between two`);
    }
    const init = new Rng(deriveSeed(config.seed, "cycle-init"));
    this.nets = {
      G_AB: translatorGenerator(config.model, init),
      G_BA: translatorGenerator(config.model, init),
      D_A: patchDiscriminator(config.model, init),
      D_B: patchDiscriminator(config.model, init),
      // drawn after the four, so runs without it start from the same weights as before
      C: config.classWeight > 0 ? patchDiscriminator(config.model, init) : undefined,
    };
    const adam = { lr: config.lr, beta1: config.beta1, beta2: config.beta2, eps: 1e-8 };
    this.optG = new Adam(this.#params("G_AB", "G_BA"), adam);
    this.optD = new Adam(this.#params("D_A", "D_B", "C"), adam);
    this.poolA = new ImagePool(config.poolSize);
    this.poolB = new ImagePool(config.poolSize);
    this.rng = new Rng(deriveSeed(config.seed, "cycle-pool"));
  }

  /** The parameters of `names`, by `<net>/<param>`. */
  #params(...names: NetName[]): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const n of names) {
      for (const [p, v] of this.nets[n]?.store.params ?? []) out.set(`${n}/${p}`, v);
    }
    return out;
  }

  /**
   * One step on a batch of A images and a batch of B images (`[b, 28, 28, 1]` in [-1, 1],
   * unpaired): the G step, then both D steps. The batches stay the caller's.
   */
  async trainStep(realA: tf.Tensor4D, realB: tf.Tensor4D): Promise<CycleStepRecord> {
    const { G_AB, G_BA, D_A, D_B, C } = this.nets, c = this.config;
    const ctx: ForwardContext = { training: true };
    // C's one logit per image ("B"): the mean of its patch logits
    const classify = (x: tf.Tensor) => tf.mean(C!.apply(x, ctx), [1, 2, 3]);
    const zero = () => tf.scalar(0);
    const mse = (x: tf.Tensor, target: number) => tf.mean(tf.square(tf.sub(x, target)));
    const l1 = (x: tf.Tensor, y: tf.Tensor) => tf.mean(tf.abs(tf.sub(x, y)));
    let fakeA: tf.Tensor4D | undefined, fakeB: tf.Tensor4D | undefined;
    let parts: tf.Tensor | undefined, gGrads: tf.NamedTensorMap | undefined;
    let dGrads: tf.NamedTensorMap | undefined, pooledA: tf.Tensor4D | undefined;
    let pooledB: tf.Tensor4D | undefined;
    try {
      // G step: both generators, D's weights untouched
      const g = tf.variableGrads(() => {
        const fb = G_AB.apply(realA, ctx), fa = G_BA.apply(realB, ctx);
        fakeB = tf.keep(fb) as tf.Tensor4D;
        fakeA = tf.keep(fa) as tf.Tensor4D;
        const adversarial = tf.add(mse(D_B.apply(fb, ctx), 1), mse(D_A.apply(fa, ctx), 1));
        const cycle = tf.add(l1(G_BA.apply(fb, ctx), realA), l1(G_AB.apply(fa, ctx), realB));
        const identity = tf.add(
          l1(G_AB.apply(realB, ctx), realB),
          l1(G_BA.apply(realA, ctx), realA),
        );
        const classification = C
          ? tf.add(domainLoss(classify(fb), true), domainLoss(classify(fa), false))
          : zero();
        parts = tf.keep(tf.stack([adversarial, cycle, identity, classification]));
        return tf.addN([
          adversarial,
          tf.mul(cycle, c.cycleWeight),
          tf.mul(identity, c.identityWeight),
          tf.mul(classification, c.classWeight),
        ]) as tf.Scalar;
      }, [...this.optG.variables.values()]);
      gGrads = g.grads;
      const [gLoss, adversarial, cycle, identity, classification] = await readAll(
        g.value,
        parts!,
      );
      this.#update(this.optG, gGrads, "G", gLoss);
      // D steps: real images against the pools' mix of past and new fakes
      pooledA = await this.poolA.query(fakeA!, this.rng);
      pooledB = await this.poolB.query(fakeB!, this.rng);
      let dParts: tf.Tensor | undefined;
      const d = tf.variableGrads(() => {
        const dA = tf.mul(
          0.5,
          tf.add(mse(D_A.apply(realA, ctx), 1), mse(D_A.apply(pooledA!, ctx), 0)),
        );
        const dB = tf.mul(
          0.5,
          tf.add(mse(D_B.apply(realB, ctx), 1), mse(D_B.apply(pooledB!, ctx), 0)),
        );
        const dC = C
          ? tf.add(domainLoss(classify(realA), false), domainLoss(classify(realB), true))
          : zero();
        dParts = tf.keep(tf.stack([dA, dB, dC]));
        return tf.addN([dA, dB, dC]) as tf.Scalar;
      }, [...this.optD.variables.values()]);
      dGrads = d.grads;
      const [dLoss, dA, dB, dC] = await readAll(d.value, dParts!);
      this.#update(this.optD, dGrads, "D", dLoss);
      this.step += 1;
      return { step: this.step, gLoss, adversarial, cycle, identity, classification, dA, dB, dC };
    } finally {
      tf.dispose(
        [
          fakeA,
          fakeB,
          parts,
          pooledA,
          pooledB,
          ...Object.values(gGrads ?? {}),
          ...Object.values(dGrads ?? {}),
        ]
          .filter((t) => t !== undefined) as tf.Tensor[],
      );
    }
  }

  /** Applies `grads` with `opt` when `loss` is finite (the caller frees `grads`). */
  #update(opt: Adam, grads: tf.NamedTensorMap, which: string, loss: number): void {
    if (!Number.isFinite(loss)) throw new NonFiniteLossError(this.step + 1, which, loss);
    const byName = new Map<string, tf.Tensor>();
    for (const [name, v] of opt.variables) byName.set(name, grads[v.name]);
    opt.apply(byName);
  }

  /** `images` `[b, 28, 28, 1]` in [-1, 1] translated A -> B (or B -> A); the caller's tensor. */
  translate(images: tf.Tensor4D, direction: "AB" | "BA"): tf.Tensor4D {
    const G = direction === "AB" ? this.nets.G_AB : this.nets.G_BA;
    return tf.tidy(() => G.apply(images, { training: false }) as tf.Tensor4D);
  }

  /** Every tensor of the state, by checkpoint name (not copies), the pools included. */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const n of NETS) {
      for (const [p, v] of this.nets[n]?.store.entries() ?? []) out.set(`${n}/${p}`, v);
    }
    for (const [name, t] of this.optG.stateTensors()) out.set(`optG/${name}`, t);
    for (const [name, t] of this.optD.stateTensors()) out.set(`optD/${name}`, t);
    for (const [name, pool] of [["poolA", this.poolA], ["poolB", this.poolB]] as const) {
      const s = pool.state();
      out.set(name, tf.tensor(s, [s.length / 784, 28, 28, 1]));
    }
    return out;
  }

  /** The scalar state, for checkpoints. */
  meta(): CycleMeta {
    return {
      config: this.config,
      step: this.step,
      rng: this.rng.state,
      optGStep: this.optG.step,
      optDStep: this.optD.step,
    };
  }

  /** Restores the state saved in `ckpt` (`what` names it in errors). */
  restore(ckpt: Checkpoint<CycleMeta>, what: string): void {
    for (const n of NETS) {
      const net = this.nets[n];
      if (net) assignStored(new Map(net.store.entries()), ckpt.tensors, `${n}/`, what);
    }
    this.optG.restore(ckpt.tensors, "optG/", ckpt.meta.optGStep, what);
    this.optD.restore(ckpt.tensors, "optD/", ckpt.meta.optDStep, what);
    this.poolA.restore(ckpt.tensors.get("poolA")?.data ?? new Float32Array());
    this.poolB.restore(ckpt.tensors.get("poolB")?.data ?? new Float32Array());
    this.step = ckpt.meta.step;
    this.rng.state = ckpt.meta.rng;
  }

  /** Frees every network and optimiser state. */
  dispose(): void {
    this.optG.dispose();
    this.optD.dispose();
    for (const n of NETS) this.nets[n]?.store.dispose();
  }
}

/** Reads a loss and its parts in one download, then frees them. */
async function readAll(loss: tf.Scalar, parts: tf.Tensor): Promise<number[]> {
  try {
    return Array.from(await readTidyAsync(() => tf.concat([tf.reshape(loss, [1]), parts])));
  } finally {
    tf.dispose([loss, parts]);
  }
}
