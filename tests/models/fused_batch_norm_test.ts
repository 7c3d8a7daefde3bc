import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { fusedBatchNormTrain } from "../../lib/models/fused_batch_norm.ts";
import { type BatchNormActivation, initBackend } from "../../lib/mod.ts";

await initBackend({ backend: "cpu" });

/** The same function from tfjs's own ops, differentiated by tfjs. */
function reference(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  act: BatchNormActivation,
): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const y = tf.batchNorm(x, mean, variance, beta, gamma, 1e-5);
  return act.kind === "relu"
    ? tf.relu(y)
    : act.kind === "leakyRelu"
    ? tf.leakyRelu(y, act.alpha)
    : y;
}

const acts: BatchNormActivation[] = [{ kind: "none" }, { kind: "relu" }, {
  kind: "leakyRelu",
  alpha: 0.2,
}];

for (const shape of [[6, 5], [4, 3, 3, 7]]) {
  for (const act of acts) {
    Deno.test(`fused BatchNorm+${act.kind} on [${shape}] matches tfjs's value and gradients`, () => {
      tf.tidy(() => {
        const c = shape[shape.length - 1];
        const x = tf.randomNormal(shape, 0.5, 2, "float32", 1);
        const gamma = tf.randomNormal([c], 1, 0.3, "float32", 2);
        const beta = tf.randomNormal([c], 0, 0.3, "float32", 3);
        const w = tf.randomNormal(shape, 0, 1, "float32", 4); // a weighted sum makes dy non-uniform
        const loss = (f: typeof reference) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(f(a, g, b, act), w)) as tf.Scalar;
        const fused = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          fusedBatchNormTrain(a, g, b, 1e-5, act).y;
        const close = (a: tf.Tensor, b: tf.Tensor, what: string) => {
          const d = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
          assert.ok(d < 1e-4, `${what}: max abs difference ${d}`);
        };
        close(fused(x, gamma, beta), reference(x, gamma, beta, act), "value");
        const gf = tf.grads(loss(fused))([x, gamma, beta]);
        const gr = tf.grads(loss(reference))([x, gamma, beta]);
        ["dx", "dgamma", "dbeta"].forEach((name, i) => close(gf[i], gr[i], name));
      });
    });
  }
}

Deno.test("fused BatchNorm reports the batch mean and biased variance", () => {
  const x = tf.tensor2d([[1, 10], [3, 20], [5, 30]]);
  const { y, mean, variance } = fusedBatchNormTrain(x, tf.ones([2]), tf.zeros([2]), 1e-5, {
    kind: "none",
  });
  assert.deepEqual([...mean], [3, 20]);
  assert.ok(Math.abs(variance[0] - 8 / 3) < 1e-5 && Math.abs(variance[1] - 200 / 3) < 1e-3);
  tf.dispose([x, y]);
});
