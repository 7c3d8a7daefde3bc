/**
 * CycleGAN's networks (Zhu et al. 2017) sized for 28x28: the image-to-image generator (a ResNet
 * between strided down- and up-sampling convolutions) and the PatchGAN discriminator, NHWC.
 *
 * G (`ngf` 32, 3 residual blocks):
 *
 * | layer    | what                                         | output              |
 * | -------- | -------------------------------------------- | ------------------- |
 * | `in`     | 7x7 conv, InstanceNorm, ReLU                 | [b, 28, 28, ngf]    |
 * | `down1`  | 3x3 conv stride 2, InstanceNorm, ReLU        | [b, 14, 14, 2 ngf]  |
 * | `down2`  | 3x3 conv stride 2, InstanceNorm, ReLU        | [b, 7, 7, 4 ngf]    |
 * | `res1..` | (3x3 conv, IN, ReLU, 3x3 conv, IN) + input   | [b, 7, 7, 4 ngf]    |
 * | `up1`    | 4x4 transposed conv stride 2, IN, ReLU       | [b, 14, 14, 2 ngf]  |
 * | `up2`    | 4x4 transposed conv stride 2, IN, ReLU       | [b, 28, 28, ngf]    |
 * | `out`    | 7x7 conv, tanh                               | [b, 28, 28, 1]      |
 *
 * The paper's generator for 128x128 has 6 residual blocks after two downsamplings; at 28x28 two
 * downsamplings leave 7x7, where 3 blocks already see the whole image. Padding is zeros (the
 * paper reflects; TF.js's MirrorPad has no gradient on every backend).
 *
 * D (`ndf` 64): 4x4 conv stride 2 + LeakyReLU (no norm), 4x4 conv stride 2 + IN + LeakyReLU,
 * 3x3 conv + IN + LeakyReLU, then a 1x1 conv to one logit per patch: `[b, 7, 7, 1]`, each
 * judging an 18x18 patch (the paper's 70x70 PatchGAN on 256x256 images judges a quarter of the
 * width; at 28x28 a patch must hold a garment's part to say anything).
 *
 * **Instance normalisation, not batch normalisation**, as the paper: each image is normalised
 * over its own pixels, so a translation does not depend on which other images share its batch
 * (at test time a single image translates as it would in any batch), and style statistics of
 * one garment do not leak into another's. Without learned scale and shift (PyTorch's
 * `InstanceNorm2d` default); convolutions followed by it have no bias (the mean subtraction
 * would cancel it). Weights ~ N(0, 0.02), the paper's init.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random.ts";
import { instanceNorm } from "./instance_norm.ts";
import { conv2d, convTranspose2d, type ForwardContext, normalInit, ParamStore } from "./layers.ts";
import type { LayerTrace, Network } from "./network.ts";

/** The networks of one translation pair. */
export interface TranslatorConfig {
  /** G's width after its first layer (then x2, x4). Default 32. */
  ngf: number;
  /** D's first width (then x2, x4). Default 64 (the paper's). */
  ndf: number;
  /** Residual blocks at 7x7. Default 3 (the paper: 6 at 128x128). */
  resBlocks: number;
  /** LeakyReLU slope of D. The paper: 0.2. */
  leak: number;
  /** Std of the N(0, std) weight init. The paper: 0.02. */
  initStd: number;
}

/** The defaults of {@link TranslatorConfig}. */
export function defaultTranslatorConfig(): TranslatorConfig {
  return { ngf: 32, ndf: 64, resBlocks: 3, leak: 0.2, initStd: 0.02 };
}

/** CycleGAN's ResNet generator for 28x28 one-channel images in [-1, 1] (module docs). */
export function translatorGenerator(config: TranslatorConfig, rng: Rng): Network {
  const store = new ParamStore();
  const g = config.ngf, std = config.initStd;
  const w = (name: string, shape: number[]) => store.param(name, normalInit(rng, shape, 0, std));
  const inW = w("in.weight", [7, 7, 1, g]);
  const down = [w("down1.weight", [3, 3, g, 2 * g]), w("down2.weight", [3, 3, 2 * g, 4 * g])];
  const res = Array.from({ length: config.resBlocks }, (_, i) => [
    w(`res${i + 1}.conv1.weight`, [3, 3, 4 * g, 4 * g]),
    w(`res${i + 1}.conv2.weight`, [3, 3, 4 * g, 4 * g]),
  ]);
  // tfjs transposed-conv filters are [k, k, out, in]
  const up = [w("up1.weight", [4, 4, 2 * g, 4 * g]), w("up2.weight", [4, 4, g, 2 * g])];
  const outW = w("out.weight", [7, 7, g, 1]);
  const outB = store.param("out.bias", tf.zeros([1]));
  const normRelu = (x: tf.Tensor4D) => instanceNorm(x, { relu: true });
  return {
    store,
    apply(images: tf.Tensor, _ctx: ForwardContext, trace?: LayerTrace): tf.Tensor {
      let x = normRelu(conv2d(images as tf.Tensor4D, inW as tf.Tensor4D, 1, 3)); // [b, 28, 28, ngf]
      trace?.("in", x);
      down.forEach((dw, i) => {
        x = normRelu(conv2d(x, dw as tf.Tensor4D, 2, 1)); //      [b, 14, 14, 2 ngf] / [b, 7, 7, 4 ngf]
        trace?.(`down${i + 1}`, x);
      });
      res.forEach(([w1, w2], i) => {
        const h = normRelu(conv2d(x, w1 as tf.Tensor4D, 1, 1));
        x = tf.add(x, instanceNorm(conv2d(h, w2 as tf.Tensor4D, 1, 1))) as tf.Tensor4D; // [b, 7, 7, 4 ngf]
        trace?.(`res${i + 1}`, x);
      });
      up.forEach((uw, i) => {
        x = normRelu(convTranspose2d(x, uw as tf.Tensor4D, 2, 1)); // [b, 14, 14, 2 ngf] / [b, 28, 28, ngf]
        trace?.(`up${i + 1}`, x);
      });
      const out = tf.tanh(tf.add(conv2d(x, outW as tf.Tensor4D, 1, 3), outB)); // [b, 28, 28, 1]
      trace?.("out", out);
      return out;
    },
  };
}

/** CycleGAN's PatchGAN discriminator for 28x28: one logit per 18x18 patch, `[b, 7, 7, 1]`. */
export function patchDiscriminator(config: TranslatorConfig, rng: Rng): Network {
  const store = new ParamStore();
  const d = config.ndf, std = config.initStd;
  const w = (name: string, shape: number[]) => store.param(name, normalInit(rng, shape, 0, std));
  const c1 = w("conv1.weight", [4, 4, 1, d]);
  const b1 = store.param("conv1.bias", tf.zeros([d]));
  const c2 = w("conv2.weight", [4, 4, d, 2 * d]);
  const c3 = w("conv3.weight", [3, 3, 2 * d, 4 * d]);
  const outW = w("out.weight", [1, 1, 4 * d, 1]);
  const outB = store.param("out.bias", tf.zeros([1]));
  const act = (x: tf.Tensor) => tf.leakyRelu(x, config.leak) as tf.Tensor4D;
  return {
    store,
    apply(images: tf.Tensor, _ctx: ForwardContext, trace?: LayerTrace): tf.Tensor {
      let x = act(tf.add(conv2d(images as tf.Tensor4D, c1 as tf.Tensor4D, 2, 1), b1)); // [b, 14, 14, ndf]
      trace?.("conv1", x);
      x = act(instanceNorm(conv2d(x, c2 as tf.Tensor4D, 2, 1))); //      [b, 7, 7, 2 ndf]
      trace?.("conv2", x);
      x = act(instanceNorm(conv2d(x, c3 as tf.Tensor4D, 1, 1))); //      [b, 7, 7, 4 ndf]
      trace?.("conv3", x);
      const out = tf.add(conv2d(x, outW as tf.Tensor4D, 1, 0), outB); //  [b, 7, 7, 1]
      trace?.("out", out);
      return out;
    },
  };
}
