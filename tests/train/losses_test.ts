import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  bceWithLogits,
  discriminatorLoss,
  generatorLoss,
  gradientPenalty,
  initBackend,
  type LossKind,
  r1Penalty,
} from "../../lib/mod.ts";

await initBackend({ backend: "cpu" });

const bce = (p: number, t: number) => -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

Deno.test("BCE from logits equals BCE of the sigmoid for smoothed targets", () => {
  const logits = [-3, -0.5, 0, 0.7, 4];
  for (const target of [0.9, 0.1, 1]) {
    const expected = logits.reduce((s, x) => s + bce(sigmoid(x), target), 0) / logits.length;
    const got = tf.tidy(() => bceWithLogits(tf.tensor2d(logits, [5, 1]), target).dataSync()[0]);
    assert.ok(Math.abs(got - expected) < 1e-5, `target ${target}: ${got} vs ${expected}`);
  }
});

Deno.test("BCE from logits stays finite for huge logits", () => {
  const got = tf.tidy(() => bceWithLogits(tf.tensor1d([-500, 500]), 0.9).dataSync()[0]);
  assert.ok(Number.isFinite(got));
  assert.ok(Math.abs(got - (0.9 * 500 + 0.1 * 500) / 2) < 1e-3);
});

const labels = { realLabel: 0.9, fakeLabel: 0.1, generatorLabel: 1 };
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const value = (t: tf.Scalar) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};
const real = [2, 0.5, -1], fake = [-2, 0.3, 1.5];
const both = (kind: LossKind) =>
  tf.tidy(() => discriminatorLoss(kind, tf.tensor1d(real), tf.tensor1d(fake), labels));
const gen = (kind: LossKind) => tf.tidy(() => generatorLoss(kind, tf.tensor1d(fake), labels));

Deno.test("the BCE losses are the report's, with its smoothed labels", () => {
  const d = mean(real.map((x) => bce(sigmoid(x), 0.9))) +
    mean(fake.map((x) => bce(sigmoid(x), 0.1)));
  assert.ok(Math.abs(value(both("bce")) - d) < 1e-5);
  assert.ok(Math.abs(value(gen("bce")) - mean(fake.map((x) => bce(sigmoid(x), 1)))) < 1e-5);
});

Deno.test("the LSGAN losses are half mean squares to 1 and 0", () => {
  const d = 0.5 * mean(real.map((x) => (x - 1) ** 2)) + 0.5 * mean(fake.map((x) => x * x));
  assert.ok(Math.abs(value(both("lsgan")) - d) < 1e-5);
  assert.ok(Math.abs(value(gen("lsgan")) - 0.5 * mean(fake.map((x) => (x - 1) ** 2))) < 1e-5);
});

Deno.test("the WGAN losses are differences of mean critic scores", () => {
  for (const kind of ["wgan", "wgan-gp"] as const) {
    assert.ok(Math.abs(value(both(kind)) - (mean(fake) - mean(real))) < 1e-6);
    assert.ok(Math.abs(value(gen(kind)) + mean(fake)) < 1e-6);
  }
});

Deno.test("the hinge losses penalise real scores below 1 and fake scores above -1", () => {
  const d = mean(real.map((x) => Math.max(0, 1 - x))) + mean(fake.map((x) => Math.max(0, 1 + x)));
  assert.ok(Math.abs(value(both("hinge")) - d) < 1e-6);
  assert.ok(Math.abs(value(gen("hinge")) + mean(fake)) < 1e-6);
});

Deno.test("the StyleGAN2 losses are softplus of the negated real and the fake logits", () => {
  const softplus = (x: number) => Math.log1p(Math.exp(x));
  const d = mean(real.map((x) => softplus(-x))) + mean(fake.map((x) => softplus(x)));
  assert.ok(Math.abs(value(both("stylegan2")) - d) < 1e-5);
  assert.ok(Math.abs(value(gen("stylegan2")) - mean(fake.map((x) => softplus(-x)))) < 1e-5);
});

Deno.test("R1 of a linear critic w.x is |w|^2, of a quadratic |x|^2 / 2 the mean |x|^2", () => {
  const linear = value(tf.tidy(() => {
    const wt = tf.tensor2d([3, 4, 0, 0], [1, 4]);
    return r1Penalty((x) => tf.sum(tf.mul(x, wt), 1), tf.randomNormal([5, 4]));
  }));
  assert.ok(Math.abs(linear - 25) < 1e-4, `${linear}`);
  const quadratic = value(
    tf.tidy(() =>
      r1Penalty((x) => tf.mul(0.5, tf.sum(tf.square(x), 1)), tf.tensor2d([[1, 2], [0, 3]]))
    ),
  );
  assert.ok(Math.abs(quadratic - (5 + 9) / 2) < 1e-5, `${quadratic}`);
});

Deno.test("an unknown loss is an error naming the choices", () => {
  assert.throws(
    () => both("mse" as LossKind),
    /unknown loss 'mse'.*bce, lsgan, wgan, wgan-gp, hinge/,
  );
});

Deno.test("the gradient penalty of a linear critic w.x is (|w| - 1)^2 wherever it is taken", () => {
  // critic(x) = sum(w * x): its input gradient is w for every x, so the penalty is (|w| - 1)^2
  const w = [3, 4, 0, 0]; // |w| = 5 -> 16
  const got = value(tf.tidy(() => {
    const wt = tf.tensor2d(w, [1, 4]);
    const critic = (x: tf.Tensor) => tf.sum(tf.mul(x, wt), 1);
    return gradientPenalty(
      critic,
      tf.randomNormal([5, 4]),
      tf.randomNormal([5, 4]),
      tf.tensor1d([0, 0.2, 0.5, 0.9, 1]),
    );
  }));
  assert.ok(Math.abs(got - 16) < 1e-4, `${got}`);
});

Deno.test("the gradient penalty of a quadratic critic |x|^2 / 2 is E(|x^| - 1)^2 at the mixed points", () => {
  // input gradient of |x|^2 / 2 is x itself: penalty = mean over rows of (|x^_i| - 1)^2
  const r = [[1, 0], [0, 2]], f = [[3, 0], [0, 0]], u = [0.5, 0.25];
  const xHat = r.map((row, i) => row.map((v, j) => v + u[i] * (f[i][j] - v)));
  const expected = mean(xHat.map((row) => (Math.hypot(...row) - 1) ** 2));
  const got = value(tf.tidy(() =>
    gradientPenalty(
      (x) => tf.mul(0.5, tf.sum(tf.square(x), 1)),
      tf.tensor2d(r),
      tf.tensor2d(f),
      tf.tensor1d(u),
    )
  ));
  assert.ok(Math.abs(got - expected) < 1e-5, `${got} vs ${expected}`);
});

Deno.test("the gradient penalty is differentiable in the critic's weights (second order, LeakyReLU included)", () => {
  // critic(x) = sum(leakyRelu(x W1) w2); check d penalty / d W1 along a direction against
  // central differences
  const x = tf.randomNormal([4, 3], 0, 1, "float32", 1),
    y = tf.randomNormal([4, 3], 0, 1, "float32", 2);
  const mix = tf.tensor1d([0.1, 0.4, 0.6, 0.9]);
  const w2 = tf.tensor2d([1.5, -2, 0.7, 1], [4, 1]);
  const W1 = tf.variable(tf.randomNormal([3, 4], 0, 1, "float32", 3));
  const penalty = () =>
    gradientPenalty((v) => tf.matMul(tf.leakyRelu(tf.matMul(v, W1), 0.2), w2), x, y, mix);
  const { grads, value: p0 } = tf.variableGrads(penalty, [W1]);
  p0.dispose();
  const dir = tf.randomNormal([3, 4], 0, 1, "float32", 4);
  const analytic = value(tf.tidy(() => tf.sum(tf.mul(grads[W1.name], dir)) as tf.Scalar));
  const w0 = W1.clone();
  const eps = 1e-3;
  const at = (s: number) => {
    W1.assign(tf.tidy(() => tf.add(w0, tf.mul(dir, s))));
    return value(tf.tidy(penalty));
  };
  const numeric = (at(eps) - at(-eps)) / (2 * eps);
  tf.dispose([x, y, mix, w2, W1, w0, dir, grads[W1.name]]);
  assert.ok(Math.abs(analytic) > 0.1, `analytic ${analytic}`);
  assert.ok(Math.abs(analytic - numeric) < 0.02 * Math.abs(analytic), `${analytic} vs ${numeric}`);
});
