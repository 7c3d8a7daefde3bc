/**
 * The report's MLP GAN (appendix A.1): fully connected G and D.
 *
 * Initialisation: Xavier uniform for every Linear weight (report table 1), biases 0,
 * BatchNorm gamma 1 and beta 0 (PyTorch defaults).
 * D returns a logit; the loss applies the sigmoid (see `lib/train/losses.ts`), where the report
 * ends D with `nn.Sigmoid()` and uses `nn.BCELoss`: the same function, numerically stable.
 *
 * @module
 */
import { spectralNormalise, spectralNormVector } from "./spectral_norm.ts";
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random.ts";
import {
  batchNorm,
  batchNormVars,
  type ForwardContext,
  leakyReluDropout,
  linear,
  ParamStore,
  xavierUniform,
} from "./layers.ts";
import type { ModelConfig } from "./model_config.ts";
import type { LayerTrace, Network } from "./network.ts";

const IMAGE_PIXELS = 28 * 28;

function linearVars(store: ParamStore, name: string, rng: Rng, fanIn: number, fanOut: number) {
  return {
    w: store.param(`${name}.weight`, xavierUniform(rng, [fanIn, fanOut], fanIn, fanOut)),
    b: store.param(`${name}.bias`, tf.zeros([fanOut])),
  };
}

/** A.1 generator: z(100) -> 256 -> 512 -> 1024 -> 784, Linear+BN+LeakyReLU+Dropout, tanh. */
export function mlpGenerator(config: ModelConfig, rng: Rng): Network {
  const store = new ParamStore();
  const widths = [config.zDim, 256, 512, 1024];
  const hidden = widths.slice(1).map((out, i) => ({
    fc: linearVars(store, `fc${i + 1}`, rng, widths[i], out),
    bn: batchNormVars(store, `bn${i + 1}`, out, rng, 0),
  }));
  const out = linearVars(store, "fc4", rng, 1024, IMAGE_PIXELS);
  const bnConfig = { momentum: config.bnMomentum, eps: config.bnEps };
  return {
    store,
    apply(z: tf.Tensor, ctx: ForwardContext, trace?: LayerTrace): tf.Tensor {
      let x = z; //                                         [b, 100]
      hidden.forEach(({ fc, bn }, i) => {
        x = linear(x, fc.w, fc.b); //                       [b, 256] / [b, 512] / [b, 1024]
        trace?.(`fc${i + 1}`, x);
        // Dropout fused into the batch norm: on [b, c] its channel mask is element dropout
        x = batchNorm(
          x,
          bn,
          bnConfig,
          ctx,
          { kind: "leakyRelu", alpha: config.leak },
          config.dropout,
        );
        trace?.(`bn${i + 1}`, x);
      });
      x = tf.tanh(linear(x, out.w, out.b)); //              [b, 784]
      trace?.("fc4", x);
      x = tf.reshape(x, [-1, 28, 28, 1]); //                [b, 28, 28, 1]
      trace?.("reshape", x);
      return x;
    },
  };
}

/** A.1 discriminator: 784 -> 1024 -> 512 -> 256 -> 1, Linear+LeakyReLU+Dropout, logit out. */
export function mlpDiscriminator(config: ModelConfig, rng: Rng): Network {
  const store = new ParamStore();
  const widths = [IMAGE_PIXELS, 1024, 512, 256];
  const hidden = widths.slice(1).map((out, i) =>
    linearVars(store, `fc${i + 1}`, rng, widths[i], out)
  );
  const out = linearVars(store, "fc4", rng, 256, 1);
  const sn = config.spectralNorm
    ? [...hidden, out].map((fc, i) => spectralNormVector(store, `fc${i + 1}`, fc.w.shape.at(-1)!))
    : null;
  const weight = (w: tf.Tensor, i: number, ctx: ForwardContext) =>
    sn ? spectralNormalise(w, sn[i], ctx) : w;
  return {
    store,
    apply(images: tf.Tensor, ctx: ForwardContext, trace?: LayerTrace): tf.Tensor {
      let x = tf.reshape(images, [-1, IMAGE_PIXELS]); //     [b, 784]
      hidden.forEach((fc, i) => {
        x = linear(x, weight(fc.w, i, ctx), fc.b); //         [b, 1024] / [b, 512] / [b, 256]
        x = leakyReluDropout(x, config.leak, config.dropout, ctx);
        trace?.(`fc${i + 1}`, x);
      });
      x = linear(x, weight(out.w, 3, ctx), out.b); //        [b, 1] logit
      trace?.("fc4", x);
      return x;
    },
  };
}
