import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createGan, gradientPenalty, initBackend, MODEL_KINDS, Rng } from "../../lib/mod.ts";
import { smallConfig } from "../_support/small_config.ts";

await initBackend({ backend: "wasm" });

const read = (t: tf.Tensor) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

for (const kind of MODEL_KINDS) {
  Deno.test(`${kind}: the gradient penalty's gradient in D's weights matches central differences`, () => {
    // LeakyReLU slope 1 (the identity) keeps the penalty smooth: with kinks, its input
    // gradient jumps and central differences across a jump mean nothing
    const config = smallConfig(kind);
    config.model.leak = 1;
    const gan = createGan(config.model, 0);
    const D = gan.discriminator;
    const x = tf.randomUniform([4, 28, 28, 1], -1, 1, "float32", 1);
    const y = tf.randomUniform([4, 28, 28, 1], -1, 1, "float32", 2);
    const mix = tf.tensor1d([0.1, 0.4, 0.6, 0.9]);
    // the same dropout masks every call; batch statistics, running ones left alone
    // a conditional critic sees one class per example
    const labels = config.model.classes > 0
      ? tf.oneHot(tf.tensor1d([1, 3, 5, 7], "int32"), config.model.classes).toFloat() as tf.Tensor2D
      : undefined;
    const critic = (v: tf.Tensor) =>
      D.apply(v, {
        training: true,
        rng: new Rng(5),
        updateStats: false,
        twiceDifferentiable: true,
        labels,
      });
    const penalty = () => gradientPenalty(critic, x, y, mix);
    const params = [...D.store.params.values()];
    const { grads, value } = tf.variableGrads(penalty, params);
    value.dispose();
    const rng = new Rng(9);
    // a random direction of unit length over all parameters together
    const total = params.reduce((n, p) => n + p.size, 0);
    const dirs = params.map((p) =>
      tf.tensor(rng.fillNormal(new Float32Array(p.size), 0, 1 / Math.sqrt(total)), p.shape)
    );
    const analytic = read(
      tf.tidy(() =>
        tf.addN( // a parameter the input gradient does not depend on (D's last bias) gets none
          params.filter((p) => grads[p.name]).map((p) =>
            tf.sum(tf.mul(grads[p.name], dirs[params.indexOf(p)]))
          ),
        )
      ),
    );
    const saved = params.map((p) => p.clone());
    const at = (s: number) => {
      params.forEach((p, i) => p.assign(tf.tidy(() => tf.add(saved[i], tf.mul(dirs[i], s)))));
      return read(tf.tidy(penalty));
    };
    const eps = 1e-2;
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    tf.dispose([x, y, mix, ...dirs, ...saved, ...Object.values(grads).filter((g) => g)]);
    labels?.dispose();
    D.store.dispose();
    gan.generator.store.dispose();
    assert.ok(Math.abs(analytic) > 1e-5, `analytic ${analytic}`);
    const tolerance = Math.max(0.05 * Math.abs(analytic), 2e-5);
    assert.ok(Math.abs(analytic - numeric) < tolerance, `${analytic} vs ${numeric}`);
  });
}

Deno.test("the composite BatchNorm path computes what the fused one does", () => {
  const gan = createGan(smallConfig("dcgan").model, 0);
  const x = tf.randomUniform([4, 28, 28, 1], -1, 1, "float32", 1);
  const run = (twiceDifferentiable: boolean) =>
    tf.tidy(() =>
      gan.discriminator.apply(x, {
        training: true,
        rng: new Rng(5),
        updateStats: false,
        twiceDifferentiable,
      }).dataSync()
    );
  const fused = run(false), composite = run(true);
  for (let i = 0; i < fused.length; i++) assert.ok(Math.abs(fused[i] - composite[i]) < 1e-4);
  x.dispose();
  gan.discriminator.store.dispose();
  gan.generator.store.dispose();
});
