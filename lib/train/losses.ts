/**
 * GAN losses from D's raw outputs (logits / critic scores): the report's BCE (A.4 `nn.BCELoss`
 * after a `Sigmoid`, with its label smoothing) and the alternatives its section 5.3 names as
 * future work (LSGAN, WGAN, WGAN-GP) plus the hinge loss.
 *
 * | kind      | D minimises                                            | G minimises                |
 * | --------- | ------------------------------------------------------ | -------------------------- |
 * | `bce`     | BCE(D(x), real) + BCE(D(G(z)), fake), labels 0.9 / 0.1 | BCE(D(G(z)), 1)            |
 * | `lsgan`   | ½ E(D(x) - 1)² + ½ E D(G(z))²  (Mao et al. 2017, a=0 b=c=1) | ½ E(D(G(z)) - 1)²     |
 * | `wgan`    | E D(G(z)) - E D(x), D's weights clipped to ±c after each update (Arjovsky et al. 2017) | -E D(G(z)) |
 * | `wgan-gp` | the same + λ E(‖∇x̂ D(x̂)‖₂ - 1)², x̂ between x and G(z) (Gulrajani et al. 2017) | -E D(G(z)) |
 * | `hinge`   | E relu(1 - D(x)) + E relu(1 + D(G(z)))  (Miyato et al. 2018)           | -E D(G(z)) |
 * | `stylegan2` | E softplus(-D(x)) + E softplus(D(G(z))) + every r steps r γ/2 E‖∇x D(x)‖² (R1, lazy; Karras et al. 2020) | E softplus(-D(G(z))) |
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { OptionError } from "../option_error.ts";
import { ensureSecondOrderGradients } from "./second_order_grads.ts";

/** The losses a run can train with. */
export type LossKind = "bce" | "lsgan" | "wgan" | "wgan-gp" | "hinge" | "stylegan2";

/** The labels of the BCE loss (report A.4). */
export interface BceLabels {
  /** D's target for real images: 0.9. */
  realLabel: number;
  /** D's target for generated images: 0.1. */
  fakeLabel: number;
  /** G's target for its images: 1. */
  generatorLabel: number;
}

/**
 * Mean binary cross-entropy between sigmoid(`logits`) and a constant `target`, in the stable
 * form max(x, 0) - x t + log(1 + exp(-|x|)). Equal to `BCELoss(Sigmoid(x), t)` without its
 * overflow at large |x| (PyTorch clamps the log at -100 instead).
 */
export function bceWithLogits(logits: tf.Tensor, target: number): tf.Scalar {
  return tf.tidy(() => {
    const x = logits;
    const loss = tf.add(tf.sub(tf.relu(x), tf.mul(x, target)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
    return tf.mean(loss);
  });
}

/** The settings a loss reads: BCE's labels, WGAN's clip, WGAN-GP's and R1's penalties. */
export interface LossSettings extends BceLabels {
  /** WGAN: D's weights are clipped to [-c, c] after each update. */
  wganClip: number;
  /** WGAN-GP: weight λ of the gradient penalty. */
  gpWeight: number;
  /** `stylegan2`: weight γ of the R1 penalty (γ/2 E‖∇x D(x)‖² on real images). */
  r1Gamma: number;
  /** `stylegan2`: R1 is added every this many D steps, times this many (lazy regularisation). */
  r1Every: number;
}

/** Settings that leave every penalty off, for the losses without D at hand. */
const NO_PENALTY = { wganClip: 0, gpWeight: 0, r1Gamma: 0, r1Every: 1 };

/**
 * One GAN objective as data: what D and G minimise, what the history shows of D's outputs,
 * and the optional extras of the WGAN family (a penalty in D's loss, a step after D's update).
 * Every function takes D's raw outputs (logits or critic scores) and works inside `tf.tidy`.
 */
export interface GanLoss {
  /** What D minimises, from its outputs on the real batch and on the (detached) fake batch. */
  discriminator(real: tf.Tensor, fake: tf.Tensor, s: LossSettings): tf.Scalar;
  /** What G minimises, from D's outputs on G's batch. */
  generator(fake: tf.Tensor, s: LossSettings): tf.Scalar;
  /** D's outputs as `history.jsonl` shows them: probabilities for BCE, raw scores otherwise. */
  shown(outputs: tf.Tensor): tf.Tensor;
  /**
   * Added to D's loss: `critic` is D at the real batch's labels, `mix` `[b]` uniform draws
   * that place points between each real and fake image. With `penaltyEvery`, only every that
   * many D steps (the first included), and the trainer multiplies it by that interval.
   */
  penalty?(
    critic: (x: tf.Tensor) => tf.Tensor,
    real: tf.Tensor,
    fake: tf.Tensor,
    mix: tf.Tensor1D,
    s: LossSettings,
  ): tf.Scalar;
  /** The interval of a lazy penalty (R1's, StyleGAN2): D steps between two penalised steps. */
  penaltyEvery?(s: LossSettings): number;
  /** Run after every D update on D's parameters (WGAN's weight clipping). */
  afterDiscriminatorStep?(params: Iterable<tf.Variable>, s: LossSettings): void;
}

const mean = (x: tf.Tensor) => tf.mean(x) as tf.Scalar;
const criticDifference = (real: tf.Tensor, fake: tf.Tensor) =>
  tf.sub(mean(fake), mean(real)) as tf.Scalar;
const criticGeneratorLoss = (fake: tf.Tensor) => tf.neg(mean(fake)) as tf.Scalar;

/** Every loss, by name (see the table in the module documentation). */
export const LOSSES: Readonly<Record<LossKind, GanLoss>> = {
  bce: {
    discriminator: (real, fake, s) =>
      tf.add(bceWithLogits(real, s.realLabel), bceWithLogits(fake, s.fakeLabel)) as tf.Scalar,
    generator: (fake, s) => bceWithLogits(fake, s.generatorLabel),
    shown: (outputs) => tf.sigmoid(outputs),
  },
  lsgan: {
    discriminator: (real, fake) =>
      tf.mul(0.5, tf.add(mean(tf.square(tf.sub(real, 1))), mean(tf.square(fake)))) as tf.Scalar,
    generator: (fake) => tf.mul(0.5, mean(tf.square(tf.sub(fake, 1)))) as tf.Scalar,
    shown: (outputs) => outputs,
  },
  wgan: {
    discriminator: criticDifference,
    generator: criticGeneratorLoss,
    shown: (outputs) => outputs,
    afterDiscriminatorStep(params, s) {
      for (const v of params) {
        // assign a new tensor (not an in-place write): wasm caches packed weights by tensor
        tf.tidy(() => v.assign(tf.clipByValue(v, -s.wganClip, s.wganClip)));
      }
    },
  },
  "wgan-gp": {
    discriminator: criticDifference,
    generator: criticGeneratorLoss,
    shown: (outputs) => outputs,
    penalty: (critic, real, fake, mix, s) =>
      tf.mul(gradientPenalty(critic, real, fake, mix), s.gpWeight) as tf.Scalar,
  },
  hinge: {
    discriminator: (real, fake) =>
      tf.add(mean(tf.relu(tf.sub(1, real))), mean(tf.relu(tf.add(1, fake)))) as tf.Scalar,
    generator: criticGeneratorLoss,
    shown: (outputs) => outputs,
  },
  stylegan2: {
    discriminator: (real, fake) =>
      tf.add(mean(tf.softplus(tf.neg(real))), mean(tf.softplus(fake))) as tf.Scalar,
    generator: (fake) => mean(tf.softplus(tf.neg(fake))),
    shown: (outputs) => tf.sigmoid(outputs),
    penalty: (critic, real, _fake, _mix, s) =>
      tf.mul(r1Penalty(critic, real), s.r1Gamma / 2) as tf.Scalar,
    penaltyEvery: (s) => s.r1Every,
  },
};

/** Every loss kind (the keys of {@link LOSSES}), for validation and usage text. */
export const LOSS_KINDS: readonly LossKind[] = Object.keys(LOSSES) as LossKind[];

/**
 * The loss named `kind`.
 *
 * @throws {OptionError} naming the `loss` option when there is no such loss.
 */
export function ganLoss(kind: string): GanLoss {
  if (!Object.hasOwn(LOSSES, kind)) {
    throw new OptionError(`unknown {loss} '${kind}': expected one of ${LOSS_KINDS.join(", ")}`);
  }
  return LOSSES[kind as LossKind];
}

/**
 * D's loss of `kind` from its outputs on a real and a generated batch (without WGAN-GP's
 * penalty, which needs D itself: {@link gradientPenalty}).
 */
export function discriminatorLoss(
  kind: LossKind,
  real: tf.Tensor,
  fake: tf.Tensor,
  labels: BceLabels,
): tf.Scalar {
  const settings = { ...labels, ...NO_PENALTY };
  return tf.tidy(() => ganLoss(kind).discriminator(real, fake, settings));
}

/** G's loss of `kind` from D's outputs on G's batch. */
export function generatorLoss(kind: LossKind, fake: tf.Tensor, labels: BceLabels): tf.Scalar {
  const settings = { ...labels, ...NO_PENALTY };
  return tf.tidy(() => ganLoss(kind).generator(fake, settings));
}

/**
 * WGAN-GP's penalty E(‖∇x̂ critic(x̂)‖₂ - 1)² at x̂ = x + u (y - x), u ~ U(0, 1) per example
 * (given as `mix`, `[b]`), without the weight λ. Differentiable in the critic's variables
 * (a gradient of a gradient): every op of `critic` needs a second-order gradient
 * ({@link ensureSecondOrderGradients} adds the ones tfjs lacks).
 */
export function gradientPenalty(
  critic: (x: tf.Tensor) => tf.Tensor,
  real: tf.Tensor,
  fake: tf.Tensor,
  mix: tf.Tensor1D,
): tf.Scalar {
  ensureSecondOrderGradients();
  return tf.tidy(() => {
    const shape = [mix.shape[0], ...real.shape.slice(1).map(() => 1)];
    const u = tf.reshape(mix, shape);
    const xHat = tf.add(real, tf.mul(u, tf.sub(fake, real)));
    const grad = tf.grad((x: tf.Tensor) => tf.sum(critic(x)))(xHat);
    const flat = tf.reshape(grad, [mix.shape[0], -1]);
    // + 1e-12 keeps the norm's own gradient finite where a gradient is exactly 0
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(flat), 1), 1e-12));
    return tf.mean(tf.square(tf.sub(norm, 1))) as tf.Scalar;
  });
}

/**
 * R1 (Mescheder et al. 2018): E‖∇x critic(x)‖² over the `real` batch, without the weight γ/2.
 * Differentiable in the critic's variables, like {@link gradientPenalty}.
 */
export function r1Penalty(critic: (x: tf.Tensor) => tf.Tensor, real: tf.Tensor): tf.Scalar {
  ensureSecondOrderGradients();
  return tf.tidy(() => {
    const grad = tf.grad((x: tf.Tensor) => tf.sum(critic(x)))(real);
    return tf.mean(tf.sum(tf.square(tf.reshape(grad, [real.shape[0], -1])), 1)) as tf.Scalar;
  });
}
