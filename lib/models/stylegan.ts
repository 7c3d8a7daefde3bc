/**
 * A style-based GAN sized for 28x28 (`stylegan`): the report's section 5.3 names StyleGAN as
 * the next architecture. It follows StyleGAN2 (Karras et al. 2020) where that fits small images,
 * with StyleGAN2-ADA's CIFAR-10 configuration as the anchor:
 *
 * G = mapping z -> w (2 equalised fully connected layers, lr multiplier 0.01, z normalised to
 * unit second moment), then synthesis from a learned 7x7 constant:
 *
 * | block | layers                                          | output          |
 * | ----- | ----------------------------------------------- | --------------- |
 * | `b7`  | modulated 3x3 conv, noise; ToGray               | [b, 7, 7, 4 ngf]   |
 * | `b14` | upsample, modulated 3x3 conv x2, noise; ToGray  | [b, 14, 14, 2 ngf] |
 * | `b28` | upsample, modulated 3x3 conv x2, noise; ToGray  | [b, 28, 28, ngf]   |
 *
 * Each layer takes its own w (8 in all: {@link StyleNetwork.layers} says at which resolution),
 * so styles can be mixed by scale. ToGray outputs are summed through StyleGAN2's skip
 * architecture (the lower resolution's image upsampled with the [1, 3, 3, 1] filter). The image
 * is linear, as StyleGAN's; evaluation mode clips it to [-1, 1], the range the rest of the
 * project reads.
 *
 * D = StyleGAN2-ADA's CIFAR-10 choice `orig` (plain blocks, no residual skips): FromGray 1x1,
 * then per resolution a 3x3 conv and a 3x3 stride-2 conv (28 -> 14 -> 7; StyleGAN2 blurs before
 * the stride, dropped here), then minibatch stddev, a 3x3 conv and two dense layers to a logit.
 * Every weight has an equalised learning rate; no BatchNorm, no dropout.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random.ts";
import { type ForwardContext, normalInit, ParamStore } from "./layers.ts";
import type { ModelConfig, StyleConfig } from "./model_config.ts";
import type { LayerTrace, Network } from "./network.ts";
import {
  applyConv,
  applyDense,
  applyModulatedConv,
  equalizedConv,
  equalizedDense,
  minibatchStddev,
  modulatedConv,
  styleActivation,
  upsampleImage,
} from "./style_layers.ts";

/** One layer of the synthesis network that takes a w. */
export interface StyleLayer {
  /** Parameter-name prefix, e.g. `b14.conv1`. */
  name: string;
  /** Output resolution: 7, 14 or 28. */
  resolution: number;
}

/** A style-based G: the {@link Network} z -> image, plus its two halves. */
export interface StyleNetwork extends Network {
  /** The layers that take a w, in the order of `ws`' second axis. */
  readonly layers: readonly StyleLayer[];
  /** The running average of w `[wDim]` (the truncation centre), updated in training mode. */
  readonly wAvg: tf.Variable;
  /** The mapping network: z `[b, zDim]` -> w `[b, wDim]`. */
  mapping(z: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D;
  /**
   * The synthesis network: one w per layer `[b, layers.length, wDim]`, or one w for every
   * layer `[b, wDim]` -> images `[b, 28, 28, 1]`.
   */
  synthesis(ws: tf.Tensor3D | tf.Tensor2D, ctx: ForwardContext, trace?: LayerTrace): tf.Tensor4D;
}

/** Whether `net` is a style-based G. */
export function isStyleNetwork(net: Network): net is StyleNetwork {
  return "synthesis" in net && "mapping" in net;
}

/** StyleGAN2's values for 28x28 (see {@link StyleConfig}). */
export const DEFAULT_STYLE_CONFIG: Readonly<StyleConfig> = {
  wDim: 128,
  mappingLayers: 2,
  mappingLrMul: 0.01,
  wAvgDecay: 0.995,
  mbstdGroup: 32,
};

function styleOf(config: ModelConfig): StyleConfig {
  return { ...DEFAULT_STYLE_CONFIG, ...config.style };
}

/** The style-based generator of `config` (see the module documentation). */
export function styleGenerator(config: ModelConfig, rng: Rng): StyleNetwork {
  const store = new ParamStore();
  const style = styleOf(config);
  const wDim = style.wDim, leak = config.leak;
  const mapping = Array.from(
    { length: style.mappingLayers },
    (_, i) =>
      equalizedDense(store, `mapping.fc${i}`, rng, {
        inF: i === 0 ? config.zDim : wDim,
        outF: wDim,
      }, {
        lrMul: style.mappingLrMul,
      }),
  );
  const wAvg = store.buffer("mapping.w_avg", tf.zeros([wDim]));
  const g = config.ngf;
  const widths: Record<number, number> = { 7: 4 * g, 14: 2 * g, 28: g };
  const constant = store.param("const", normalInit(rng, [1, 7, 7, widths[7]], 0, 1));
  const conv = (name: string, res: number, inC: number, up = false) =>
    modulatedConv(store, name, rng, { k: 3, inC, outC: widths[res], wDim, noiseSize: res, up });
  const toGray = (name: string, res: number) =>
    modulatedConv(store, name, rng, { k: 1, inC: widths[res], outC: 1, wDim, demodulate: false });
  const blocks = [
    { name: "b7", res: 7, convs: [conv("b7.conv0", 7, widths[7])], gray: toGray("b7.gray", 7) },
    ...[14, 28].map((res) => ({
      name: `b${res}`,
      res,
      convs: [
        conv(`b${res}.conv0`, res, widths[res / 2], true),
        conv(`b${res}.conv1`, res, widths[res]),
      ],
      gray: toGray(`b${res}.gray`, res),
    })),
  ];
  const layers: StyleLayer[] = blocks.flatMap((b) =>
    [...b.convs.map((_, i) => `${b.name}.conv${i}`), `${b.name}.gray`].map((name) => ({
      name,
      resolution: b.res,
    }))
  );

  function mappingForward(z: tf.Tensor2D, ctx: ForwardContext): tf.Tensor2D {
    // z / sqrt(mean(z^2)): StyleGAN's normalize_2nd_moment
    let w = tf.mul(z, tf.rsqrt(tf.add(tf.mean(tf.square(z), 1, true), 1e-8))) as tf.Tensor2D;
    for (const fc of mapping) {
      w = styleActivation(applyDense(fc, w), config.leak, ctx) as tf.Tensor2D;
    }
    if (ctx.training && ctx.updateStats !== false) {
      const d = style.wAvgDecay;
      tf.tidy(() => wAvg.assign(tf.add(tf.mul(wAvg, d), tf.mul(tf.mean(w, 0), 1 - d))));
    }
    return w; //                                                         [b, wDim]
  }

  function synthesis(
    ws: tf.Tensor3D | tf.Tensor2D,
    ctx: ForwardContext,
    trace?: LayerTrace,
  ): tf.Tensor4D {
    const b = ws.shape[0];
    const shared = ws.rank === 2;
    if (shared ? ws.shape[1] !== wDim : ws.shape[1] !== layers.length || ws.shape[2] !== wDim) {
      throw new Error(
        `synthesis: ws has shape [${ws.shape}], expected [b, ${layers.length}, ${wDim}] or [b, ${wDim}]`,
      );
    }
    const perLayer = shared //                                           layers x [b, wDim]
      ? layers.map(() => ws as tf.Tensor2D)
      : tf.unstack(ws, 1) as tf.Tensor2D[];
    // broadcast over the batch (Tile, and its gradient, are slow on wasm)
    let x = tf.add(constant, tf.zeros([b, 1, 1, 1])) as tf.Tensor4D; //  [b, 7, 7, 4 ngf]
    trace?.("const", x);
    let image: tf.Tensor4D | null = null;
    let i = 0;
    for (const block of blocks) {
      for (const c of block.convs) {
        x = styleActivation(applyModulatedConv(c, x, perLayer[i++], ctx), leak, ctx) as tf.Tensor4D;
      }
      trace?.(block.name, x); //                       [b, 7, 7, 4 ngf] / [b, 14, 14, 2 ngf] / [b, 28, 28, ngf]
      const gray = applyModulatedConv(block.gray, x, perLayer[i++], ctx); // [b, res, res, 1]
      image = image ? tf.add(upsampleImage(image), gray) as tf.Tensor4D : gray;
    }
    const out = ctx.training ? image! : tf.clipByValue(image!, -1, 1) as tf.Tensor4D;
    trace?.("output", out); //                                           [b, 28, 28, 1]
    return out;
  }

  return {
    store,
    layers,
    wAvg,
    mapping: mappingForward,
    synthesis,
    apply(z: tf.Tensor, ctx: ForwardContext, trace?: LayerTrace): tf.Tensor {
      const w = mappingForward(z as tf.Tensor2D, ctx);
      trace?.("mapping", w);
      return synthesis(w, ctx, trace); //                                 one w for every layer
    },
  };
}

/** The plain (`orig`) discriminator of `config` with minibatch stddev (module documentation). */
export function styleDiscriminator(config: ModelConfig, rng: Rng): Network {
  const store = new ParamStore();
  const style = styleOf(config);
  const d = config.ndf, leak = config.leak;
  const widths: Record<number, number> = { 28: d, 14: 2 * d, 7: 4 * d };
  const fromGray = equalizedConv(store, "fromgray", rng, { k: 1, inC: 1, outC: widths[28] });
  const blocks = [28, 14].map((res) => ({
    name: `d${res}`,
    conv0: equalizedConv(store, `d${res}.conv0`, rng, {
      k: 3,
      inC: widths[res],
      outC: widths[res],
    }),
    down: equalizedConv(store, `d${res}.down`, rng, {
      k: 3,
      inC: widths[res],
      outC: widths[res / 2],
    }),
  }));
  const c7 = widths[7];
  const epilogueConv = equalizedConv(store, "epilogue.conv", rng, { k: 3, inC: c7 + 1, outC: c7 });
  const fc = equalizedDense(store, "epilogue.fc", rng, { inF: 49 * c7, outF: c7 });
  const out = equalizedDense(store, "epilogue.out", rng, { inF: c7, outF: 1 });
  return {
    store,
    apply(images: tf.Tensor, ctx: ForwardContext, trace?: LayerTrace): tf.Tensor {
      const act = <T extends tf.Tensor>(y: T) => styleActivation(y, leak, ctx) as T;
      let x = act(applyConv(fromGray, images as tf.Tensor4D, 1));
      trace?.("fromgray", x); //                                         [b, 28, 28, ndf]
      for (const block of blocks) {
        x = act(applyConv(block.conv0, x, 1));
        x = act(applyConv(block.down, x, 2));
        trace?.(block.name, x); //                           [b, 14, 14, 2 ndf] / [b, 7, 7, 4 ndf]
      }
      x = minibatchStddev(x, style.mbstdGroup); //                       [b, 7, 7, 4 ndf + 1]
      x = act(applyConv(epilogueConv, x, 1)); //                          [b, 7, 7, 4 ndf]
      const h = act(applyDense(fc, tf.reshape(x, [x.shape[0], -1]))); //  [b, 4 ndf]
      const logit = applyDense(out, h); //                               [b, 1]
      trace?.("epilogue", logit);
      return logit;
    },
  };
}
