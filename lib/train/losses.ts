/**
 * The report's loss (A.4 `nn.BCELoss` after a `Sigmoid`), computed from logits.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

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
