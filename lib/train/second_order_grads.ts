/**
 * Gradients that tfjs lacks for second-order differentiation (WGAN-GP differentiates D's input
 * gradient once more, in D's weights).
 *
 * tfjs's `LeakyRelu` gradient is `where(x > 0, dy, alpha * dy)`: differentiating it again
 * reaches `Greater`, which has no registered gradient, so `tf.grad` throws "gradient function
 * not found for Greater". A comparison is piecewise constant: its gradient is 0 almost
 * everywhere, which is what is registered here (for `Greater`, `GreaterEqual`, `Less`,
 * `LessEqual`, `Equal`, `NotEqual`), as TensorFlow does for its comparison ops.
 *
 * @module
 */
import {
  Equal,
  getGradient,
  Greater,
  GreaterEqual,
  Less,
  LessEqual,
  NotEqual,
  registerGradient,
  zerosLike,
} from "@tensorflow/tfjs";

const COMPARISONS = [Greater, GreaterEqual, Less, LessEqual, Equal, NotEqual];

/** Registers the zero gradients of comparison ops where tfjs has none. Idempotent. */
export function ensureSecondOrderGradients(): void {
  for (const kernelName of COMPARISONS) {
    if (getGradient(kernelName) != null) continue;
    registerGradient({
      kernelName,
      inputsToSave: ["a", "b"],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved;
        return { a: () => zerosLike(a), b: () => zerosLike(b) };
      },
    });
  }
}
