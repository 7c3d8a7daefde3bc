/**
 * The report's DCGAN (appendix A.2) and its "improved" conv GAN (A.3), NHWC.
 *
 * **Shapes follow the report's text, not its listing.** Sections 2.3.1 and 2.3.2 promise
 * G: 1x1 -> 4x4 -> 7x7 -> 14x14 -> 28x28 and D: 28 -> 14 -> 7 -> 3 -> 1. The listing's
 * `ConvTranspose2d(k4, s2, p1)` doubles, so its G really goes 4 -> 8 -> 16 -> 32 and emits
 * 32x32 images while the data is 28x28 (which is why A.3 averages D's 2x2 output). Here the
 * 4 -> 7 layer is `ConvTranspose2d(512, 256, k3, s2, p1)` ((4 - 1) * 2 - 2 + 3 = 7), the rest
 * as listed, so G emits 28x28 and D maps it to 1x1 exactly as the text states.
 *
 * Init (A.2 `_weights_init`): conv weights ~ N(0, 0.02), BatchNorm gamma ~ N(1, 0.02),
 * beta 0; convs have no bias (`bias=False`).
 * D returns a logit; the loss applies the sigmoid, where the report ends D with `nn.Sigmoid()`
 * and uses `nn.BCELoss` (same function, numerically stable). D's output is `[b, 1]`, the
 * shape of the report's labels (A.4 compares a flat `[b]` output with `[b, 1]` labels, which
 * PyTorch broadcasts to `[b, b]`; that bug is not reproduced).
 *
 * "Improved" (A.3) has the same layers; its D averages its output map over space, which at
 * 28x28 (a 1x1 map) equals the DCGAN's output. It is kept as its own kind so runs and
 * checkpoints say which listing they follow. The class-conditional DCGAN (`cdcgan`, not in the
 * report) is A.2's networks with the label as a one-hot vector appended to z (G's first layer
 * takes 110 channels) and as one-hot maps appended to D's input (D's first layer takes 11).
 * `registry.ts` pairs these networks into the model kinds.
 *
 * @module
 */
import { spectralNormalise, spectralNormVector } from "./spectral_norm.ts";
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random.ts";
import {
  batchNorm,
  batchNormVars,
  conv2d,
  convTranspose2d,
  type ForwardContext,
  leakyReluDropout,
  normalInit,
  ParamStore,
  requireLabels,
} from "./layers.ts";
import type { ModelConfig } from "./model_config.ts";
import type { LayerTrace, Network } from "./network.ts";

/** One transposed-conv layer of G: PyTorch (in, out, k, stride, padding). */
interface UpLayer {
  inC: number;
  outC: number;
  k: number;
  stride: number;
  pad: number;
}

/** G of A.2/A.3 with the text's shapes (see the module documentation). */
export function dcganGenerator(config: ModelConfig, rng: Rng): Network {
  const store = new ParamStore();
  const g = config.ngf;
  const up: UpLayer[] = [
    { inC: config.zDim + config.classes, outC: g * 8, k: 4, stride: 1, pad: 0 }, // 1x1 -> 4x4
    { inC: g * 8, outC: g * 4, k: 3, stride: 2, pad: 1 }, //       4x4   -> 7x7 (listing: k4)
    { inC: g * 4, outC: g * 2, k: 4, stride: 2, pad: 1 }, //       7x7   -> 14x14
    { inC: g * 2, outC: g, k: 4, stride: 2, pad: 1 }, //           14x14 -> 28x28
  ];
  const layers = up.map((l, i) => ({
    ...l,
    // tfjs conv2dTranspose filters are [k, k, out, in]
    w: store.param(
      `convT${i + 1}.weight`,
      normalInit(rng, [l.k, l.k, l.outC, l.inC], 0, config.initStd),
    ),
    bn: batchNormVars(store, `bn${i + 1}`, l.outC, rng, config.initStd),
  }));
  const outW = store.param("conv5.weight", normalInit(rng, [3, 3, g, 1], 0, config.initStd));
  const bnConfig = { momentum: config.bnMomentum, eps: config.bnEps };
  return {
    store,
    apply(z: tf.Tensor, ctx: ForwardContext, trace?: LayerTrace): tf.Tensor {
      const input = config.classes > 0 //                                   cdcgan: [z, one-hot]
        ? tf.concat([z, requireLabels(ctx, z.shape[0], config.classes, "G")], 1)
        : z;
      let x = tf.reshape(input, [-1, 1, 1, up[0].inC]) as tf.Tensor4D; // [b, 1, 1, 100 (110)]
      layers.forEach((l, i) => {
        x = convTranspose2d(x, l.w as tf.Tensor4D, l.stride, l.pad);
        //                    [b,4,4,512] / [b,7,7,256] / [b,14,14,128] / [b,28,28,64]
        trace?.(`convT${i + 1}`, x);
        x = batchNorm(x, l.bn, bnConfig, ctx, { kind: "relu" }) as tf.Tensor4D;
        trace?.(`bn${i + 1}`, x);
      });
      x = tf.tanh(conv2d(x, outW as tf.Tensor4D, 1, 1)); //            [b, 28, 28, 1]
      trace?.("conv5", x);
      return x;
    },
  };
}

/** Options of {@link dcganDiscriminator}. */
export interface DcganDiscriminatorOptions {
  /** Average D's output map over space (A.3, the improved GAN) instead of flattening it (A.2). */
  spatialMean: boolean;
}

/**
 * D of A.2 (`spatialMean` false) or A.3 (`spatialMean` true); with `config.classes` > 0 it also
 * takes one one-hot map per class (the class-conditional DCGAN).
 */
export function dcganDiscriminator(
  config: ModelConfig,
  rng: Rng,
  options: DcganDiscriminatorOptions,
): Network {
  const { spatialMean } = options;
  const store = new ParamStore();
  const d = config.ndf;
  const chans = [1 + config.classes, d, d * 2, d * 4]; // cdcgan: + one map per class
  const layers = chans.slice(1).map((outC, i) => ({
    w: store.param(
      `conv${i + 1}.weight`,
      normalInit(rng, [4, 4, chans[i], outC], 0, config.initStd),
    ),
    // the first layer has no BatchNorm (A.2)
    bn: i === 0 ? undefined : batchNormVars(store, `bn${i + 1}`, outC, rng, config.initStd),
  }));
  const outW = store.param("conv4.weight", normalInit(rng, [3, 3, d * 4, 1], 0, config.initStd));
  const bnConfig = { momentum: config.bnMomentum, eps: config.bnEps };
  const sn = config.spectralNorm
    ? [...chans.slice(1), 1].map((outC, i) => spectralNormVector(store, `conv${i + 1}`, outC))
    : null;
  const weight = (w: tf.Tensor, i: number, ctx: ForwardContext) =>
    (sn ? spectralNormalise(w, sn[i], ctx) : w) as tf.Tensor4D;
  return {
    store,
    apply(images: tf.Tensor, ctx: ForwardContext, trace?: LayerTrace): tf.Tensor {
      let x = images as tf.Tensor4D; //                                [b, 28, 28, 1]
      if (config.classes > 0) {
        const [b, h, w] = x.shape;
        const y = requireLabels(ctx, b, config.classes, "D");
        const maps = tf.tile(tf.reshape(y, [b, 1, 1, config.classes]), [1, h, w, 1]);
        x = tf.concat([x, maps], 3) as tf.Tensor4D; //                                [b, 28, 28, 11]
      }
      layers.forEach((l, i) => {
        x = conv2d(x, weight(l.w, i, ctx), 2, 1); //       [b,14,14,64] / [b,7,7,128] / [b,3,3,256]
        trace?.(`conv${i + 1}`, x);
        const act = { kind: "leakyRelu", alpha: config.leak } as const;
        // BN + LeakyReLU + Dropout2d fused (no BN on the first layer)
        if (l.bn) {
          x = batchNorm(x, l.bn, bnConfig, ctx, act, config.dropout) as tf.Tensor4D;
          trace?.(`bn${i + 1}`, x);
        } else {
          x = leakyReluDropout(x, config.leak, config.dropout, ctx);
        }
      });
      const map = conv2d(x, weight(outW, 3, ctx), 1, 0); //             [b, 1, 1, 1]
      trace?.("conv4", map);
      const logit = spatialMean
        ? tf.mean(map, [1, 2]) //                                       [b, 1] (A.3: mean over space)
        : tf.reshape(map, [-1, 1]); //                                  [b, 1]
      trace?.("output", logit);
      return logit;
    },
  };
}
