/**
 * A trained translation pair apart from its trainer (as `Generator` stands apart from the GAN
 * trainer): the generators G_AB and G_BA of a CycleGAN run, no discriminators, no optimiser
 * state. It translates images; sampling, scoring and the explorer load one from a checkpoint.
 *
 * Images in and out are `[n, 28, 28]` in [0, 1], flat, as every array of the project.
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
import { Rng } from "../random.ts";
import { defaultTranslatorConfig, type TranslatorConfig, translatorGenerator } from "./cyclegan.ts";
import type { Network } from "./network.ts";

/** Which way a pair translates: class A to class B, or back. */
export type Direction = "AB" | "BA";

/** What a translator file records besides the weights. */
export interface TranslatorMeta {
  /** Marks a translator file. */
  format: "fashion-gan translator";
  /** The generators' configuration. */
  model: TranslatorConfig;
  /** Class A and class B. */
  from: number;
  to: number;
  /** Training steps behind the weights. */
  step: number;
}

/** The two generators of a translation pair. Owns their variables: call `dispose()`. */
export class Translator {
  /** G_AB and G_BA. */
  readonly nets: Readonly<Record<Direction, Network>>;

  /** Wraps `ab` and `ba`, which the translator then owns. */
  constructor(readonly meta: TranslatorMeta, ab: Network, ba: Network) {
    this.nets = { AB: ab, BA: ba };
  }

  /** An untrained pair for `model` (weights of seed 0), for `from` -> `to`. */
  static create(model: TranslatorConfig, from: number, to: number): Translator {
    const rng = new Rng(0);
    return new Translator(
      { format: "fashion-gan translator", model, from, to, step: 0 },
      translatorGenerator(model, rng),
      translatorGenerator(model, rng),
    );
  }

  /**
   * The pair in a checkpoint: a translator file ({@link Translator.encode}) or a CycleGAN
   * trainer's checkpoint, of which only G_AB's and G_BA's tensors are read.
   *
   * @throws naming `what` when it holds no translation pair.
   */
  static fromCheckpoint(ckpt: Checkpoint<unknown>, what: string): Translator {
    const m = ckpt.meta as Partial<TranslatorMeta> & {
      config?: { model?: TranslatorConfig; from?: number; to?: number };
    };
    const model = m.model ?? m.config?.model, from = m.from ?? m.config?.from;
    const to = m.to ?? m.config?.to;
    if (!model || from === undefined || to === undefined) {
      throw new Error(`${what}: holds no translation pair (no generators' configuration)`);
    }
    const t = Translator.create({ ...defaultTranslatorConfig(), ...model }, from, to);
    try {
      assignStored(new Map(t.nets.AB.store.entries()), ckpt.tensors, "G_AB/", what);
      assignStored(new Map(t.nets.BA.store.entries()), ckpt.tensors, "G_BA/", what);
    } catch (err) {
      t.dispose();
      throw err;
    }
    return new Translator({ ...t.meta, step: m.step ?? 0 }, t.nets.AB, t.nets.BA);
  }

  /** Both generators as the chunks of a translator file (float16 with `options.float16`). */
  async encode(sha256: Sha256, options: SaveCheckpointOptions = {}): Promise<Uint8Array[]> {
    const tensors = new Map<string, tf.Tensor>();
    for (const d of ["AB", "BA"] as const) {
      for (const [n, v] of this.nets[d].store.entries()) tensors.set(`G_${d}/${n}`, v);
    }
    return encodeCheckpoint(this.meta, await readTensors(tensors), sha256, options);
  }

  /**
   * `images` (`[n, 28, 28]` in [0, 1], flat) translated A -> B or B -> A, `batchSize` at a
   * time, in float32.
   */
  async translate(
    images: Float32Array,
    direction: Direction,
    batchSize = 256,
  ): Promise<Float32Array> {
    if (images.length % 784 !== 0) {
      throw new Error(`translate: ${images.length} values are not whole 28x28 images`);
    }
    const n = images.length / 784, out = new Float32Array(images.length);
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      const part = images.subarray(start * 784, (start + b) * 784);
      out.set(
        await readTidyAsync(() =>
          withPrecision("fp32", () => {
            const x = tf.sub(tf.mul(tf.tensor4d(part, [b, 28, 28, 1]), 2), 1); // [0, 1] -> [-1, 1]
            const y = this.nets[direction].apply(x, { training: false });
            return tf.div(tf.add(y, 1), 2);
          })
        ),
        start * 784,
      );
    }
    return out;
  }

  /** Frees both generators. */
  dispose(): void {
    this.nets.AB.store.dispose();
    this.nets.BA.store.dispose();
  }
}
