import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { fusedBatchNormTrain, fusedLeakyReluMask } from "../../lib/models/fused_batch_norm.ts";
import type { BatchNormActivation } from "../../lib/mod.ts";
import {
  batchNorm,
  batchNormVars,
  dropout,
  leakyReluDropout,
  ParamStore,
} from "../../lib/models/layers.ts";
import { Rng } from "../../lib/random.ts";
import { initWasm, kernelEngine, memorySnapshot, onCpu } from "../backend/wasm/test_util.ts";

await initWasm();

/** BN + act + channel mask from tfjs's own ops, differentiated by tfjs. */
function reference(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  act: BatchNormActivation,
  mask?: tf.Tensor,
): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  let y = tf.batchNorm(x, mean, variance, beta, gamma, 1e-5);
  y = act.kind === "relu" ? tf.relu(y) : act.kind === "leakyRelu" ? tf.leakyRelu(y, act.alpha) : y;
  return mask ? tf.mul(y, mask) : y;
}

const SHAPE = [4, 3, 5, 6];
const C = SHAPE[3];
/** Channel-dropout-like mask: 0 or 1 / (1 - 0.3), one value per (example, channel). */
const MASK = Float32Array.from({ length: SHAPE[0] * C }, (_, i) => (i * 7) % 5 === 1 ? 0 : 1 / 0.7);

function inputs() {
  return {
    x: tf.randomNormal(SHAPE, 0.5, 2, "float32", 1),
    gamma: tf.randomNormal([C], 1, 0.3, "float32", 2),
    beta: tf.randomNormal([C], 0, 0.3, "float32", 3),
    w: tf.randomNormal(SHAPE, 0, 1, "float32", 4), // a weighted sum makes dy non-uniform
  };
}

/** Value and gradients (x, gamma, beta) of sum(f(x, gamma, beta) * w), flattened. */
function valueAndGrads(
  f: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  const { x, gamma, beta, w } = inputs();
  const y = f(x, gamma, beta);
  const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(f(a, g, b), w)) as tf.Scalar
  )([x, gamma, beta]);
  return tf.concat([y, ...grads].map((t) => tf.reshape(t, [-1])));
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) {
  assert.equal(actual.length, expected.length);
  let d = 0;
  for (let i = 0; i < actual.length; i++) d = Math.max(d, Math.abs(actual[i] - expected[i]));
  assert.ok(d < 1e-4, `${what}: max abs difference ${d}`);
}

const acts: BatchNormActivation[] = [
  { kind: "relu" },
  { kind: "leakyRelu", alpha: 0.2 },
  { kind: "none" },
];
for (const act of acts) {
  for (const withMask of [false, true]) {
    Deno.test(
      `${kernelEngine()}: fused BatchNorm+${act.kind}${
        withMask ? "+mask" : ""
      } matches cpu tfjs ops, no leaks`,
      async () => {
        const mask = withMask ? MASK : undefined;
        const maskT = () => withMask ? tf.tensor4d(MASK, [SHAPE[0], 1, 1, C]) : undefined;
        const ref = await onCpu(() => valueAndGrads((x, g, b) => reference(x, g, b, act, maskT())));
        const before = memorySnapshot();
        const got = tf.tidy(() =>
          valueAndGrads((x, g, b) => fusedBatchNormTrain(x, g, b, 1e-5, act, mask).y)
        );
        close(got.dataSync(), ref.data, "value and gradients");
        got.dispose();
        assert.deepEqual(memorySnapshot(), before);
      },
    );
  }
}

Deno.test(`${kernelEngine()}: fused LeakyReLU+mask matches tfjs's LeakyRelu and Multiply exactly, no leaks`, () => {
  const run = (fused: boolean) =>
    tf.tidy(() =>
      valueAndGrads((x, g, b) => {
        const y = fused
          ? fusedLeakyReluMask(x, 0.2, MASK)
          : tf.mul(tf.leakyRelu(x, 0.2), tf.tensor4d(MASK, [SHAPE[0], 1, 1, C]));
        return tf.add(tf.mul(y, g), b); // so that gamma and beta get gradients too
      })
    );
  const expected = run(false);
  const before = memorySnapshot();
  const got = run(true);
  assert.deepEqual(got.dataSync(), expected.dataSync());
  tf.dispose([got, expected]);
  before.numTensors -= 1;
  before.numDataIds -= 1;
  before.numBytes -= got.size * 4;
  assert.deepEqual(memorySnapshot(), before);
});

Deno.test(`fused LeakyReLU times a gain on ${kernelEngine()} equals tfjs's LeakyRelu then Multiply, values and gradients`, () => {
  for (const shape of [SHAPE, [SHAPE[0], 7]]) {
    const run = (fused: boolean) =>
      tf.tidy(() => {
        const x = tf.randomNormal(shape, 0, 2, "float32", 5);
        const w = tf.randomNormal(shape, 0, 1, "float32", 6);
        const f = (v: tf.Tensor) =>
          fused ? fusedLeakyReluMask(v, 0.2, Math.SQRT2) : tf.mul(tf.leakyRelu(v, 0.2), Math.SQRT2);
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), w)) as tf.Scalar)(x);
        return tf.concat([tf.reshape(f(x), [-1]), tf.reshape(g, [-1])]);
      });
    const expected = run(false), got = run(true);
    assert.deepEqual(got.dataSync(), expected.dataSync(), `[${shape}]`);
    tf.dispose([got, expected]);
  }
});

Deno.test(`on ${kernelEngine()}, the MLP's fused dropout on [batch, c] draws and computes what nn.Dropout after the activation does, gradients included`, () => {
  const store = new ParamStore();
  const bn = batchNormVars(store, "bn", 48, new Rng(1), 0);
  const cfg = { momentum: 0.1, eps: 1e-5 };
  const act = { kind: "leakyRelu", alpha: 0.2 } as const;
  // the MLP's D layer (LeakyReLU, Dropout) and G layer (BN, LeakyReLU, Dropout)
  const layers = (fused: boolean, rng: Rng) => (x: tf.Tensor) => {
    const ctx = { training: true, rng, updateStats: false };
    const d = fused ? leakyReluDropout(x, 0.2, 0.3, ctx) : dropout(tf.leakyRelu(x, 0.2), 0.3, ctx);
    const g = fused
      ? batchNorm(x, bn, cfg, ctx, act, 0.3)
      : dropout(batchNorm(x, bn, cfg, ctx, act), 0.3, ctx);
    return tf.concat([d, g]);
  };
  const run = (fused: boolean) =>
    tf.tidy(() => {
      const x = tf.randomNormal([16, 48], 0, 2, "float32", 5);
      const w = tf.randomNormal([32, 48], 0, 1, "float32", 6);
      const f = layers(fused, new Rng(9));
      const y = f(x);
      const g = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(layers(fused, new Rng(9))(v), w)) as tf.Scalar
      )(x);
      return tf.concat([tf.reshape(y, [-1]), tf.reshape(g, [-1])]);
    });
  const expected = run(false), got = run(true);
  assert.deepEqual(got.dataSync(), expected.dataSync());
  assert.ok(expected.dataSync().some((v) => v === 0), "some units dropped");
  tf.dispose([got, expected]);
  store.dispose();
});
