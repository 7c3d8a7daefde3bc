/**
 * What every generator and discriminator looks like from the outside.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ForwardContext, ParamStore } from "./layers.ts";
import type { ModelConfig } from "./model_config.ts";

/** Called after each layer with its name and output, to record shapes. */
export type LayerTrace = (layer: string, output: tf.Tensor) => void;

/** A network: its variables and its forward pass. */
export interface Network {
  /** Parameters and buffers. */
  readonly store: ParamStore;
  /**
   * The forward pass. Generators map z `[b, zDim]` to images `[b, 28, 28, 1]` in [-1, 1] (a
   * style-based G's are linear in training mode, as StyleGAN's, and clipped in evaluation mode);
   * discriminators map images to logits `[b, 1]`. Tensors it creates are the caller's to
   * dispose (run it inside `tf.tidy`).
   */
  apply(x: tf.Tensor, ctx: ForwardContext, trace?: LayerTrace): tf.Tensor;
}

/** A generator/discriminator pair built from one {@link ModelConfig}. */
export interface Gan {
  /** The configuration it was built from. */
  readonly config: ModelConfig;
  /** G: z -> image. */
  readonly generator: Network;
  /** D: image -> logit. */
  readonly discriminator: Network;
}

/** One row of a network summary. */
export interface LayerSummary {
  /** Layer name (the variable-name prefix, e.g. `fc1`, `convT2`). */
  layer: string;
  /** Output shape for a batch of `batch` (first dim). */
  outputShape: number[];
  /** Trainable parameters of this layer. */
  params: number;
}

/**
 * Runs `net` in evaluation mode on zeros of `inputShape` and lists every layer's output shape
 * and parameter count: shapes are measured, never typed by hand. A conditional network gets
 * one-hot labels of class 0 (`classes` > 0).
 */
export function summarize(net: Network, inputShape: number[], classes = 0): LayerSummary[] {
  const rows: LayerSummary[] = [];
  const perLayer = new Map<string, number>();
  for (const [name, v] of net.store.params) {
    const layer = name.split(".")[0];
    perLayer.set(layer, (perLayer.get(layer) ?? 0) + v.size);
  }
  tf.tidy(() => {
    const labels = classes > 0
      ? tf.oneHot(tf.zeros([inputShape[0]], "int32"), classes).toFloat() as tf.Tensor2D
      : undefined;
    net.apply(tf.zeros(inputShape), { training: false, labels }, (layer, out) => {
      rows.push({ layer, outputShape: out.shape, params: perLayer.get(layer) ?? 0 });
    });
  });
  return rows;
}

/** Frees both networks of a GAN. */
export function disposeGan(gan: Gan): void {
  gan.generator.store.dispose();
  gan.discriminator.store.dispose();
}
