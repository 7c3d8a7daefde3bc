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
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { ensureSecondOrderGradients } from "./second_order_grads.ts";

/** The losses a run can train with. */
export type LossKind = "bce" | "lsgan" | "wgan" | "wgan-gp" | "hinge";

/** Every loss kind, for validation and usage text. */
export const LOSS_KINDS: readonly LossKind[] = ["bce", "lsgan", "wgan", "wgan-gp", "hinge"];

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
  return tf.tidy(() => {
    switch (kind) {
      case "bce":
        return tf.add(
          bceWithLogits(real, labels.realLabel),
          bceWithLogits(fake, labels.fakeLabel),
        ) as tf.Scalar;
      case "lsgan":
        return tf.mul(
          0.5,
          tf.add(tf.mean(tf.square(tf.sub(real, 1))), tf.mean(tf.square(fake))),
        ) as tf.Scalar;
      case "wgan":
      case "wgan-gp":
        return tf.sub(tf.mean(fake), tf.mean(real)) as tf.Scalar;
      case "hinge":
        return tf.add(
          tf.mean(tf.relu(tf.sub(1, real))),
          tf.mean(tf.relu(tf.add(1, fake))),
        ) as tf.Scalar;
      default:
        throw new Error(`unknown loss '${kind}': expected one of ${LOSS_KINDS.join(", ")}`);
    }
  });
}

/** G's loss of `kind` from D's outputs on G's batch. */
export function generatorLoss(kind: LossKind, fake: tf.Tensor, labels: BceLabels): tf.Scalar {
  return tf.tidy(() => {
    switch (kind) {
      case "bce":
        return bceWithLogits(fake, labels.generatorLabel);
      case "lsgan":
        return tf.mul(0.5, tf.mean(tf.square(tf.sub(fake, 1)))) as tf.Scalar;
      case "wgan":
      case "wgan-gp":
      case "hinge":
        return tf.neg(tf.mean(fake)) as tf.Scalar;
      default:
        throw new Error(`unknown loss '${kind}': expected one of ${LOSS_KINDS.join(", ")}`);
    }
  });
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
