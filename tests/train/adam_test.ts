import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Adam, initBackend } from "../../lib/mod.ts";

await initBackend({ backend: "cpu" });

Deno.test("Adam's first two steps match PyTorch's formula", () => {
  const p = tf.variable(tf.tensor1d([1, -2]));
  const opt = new Adam(new Map([["p", p]]), { lr: 0.1, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
  const g1 = [0.5, -1], g2 = [0.25, 2];
  // hand computation of torch.optim.Adam
  let m = [0, 0], v = [0, 0];
  const x = [1, -2];
  for (const [t, g] of [[1, g1], [2, g2]] as const) {
    m = m.map((mi, i) => 0.5 * mi + 0.5 * g[i]);
    v = v.map((vi, i) => 0.999 * vi + 0.001 * g[i] ** 2);
    for (let i = 0; i < 2; i++) {
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - 0.999 ** t) + 1e-8;
      x[i] -= (0.1 / (1 - 0.5 ** t)) * m[i] / denom;
    }
    const grad = tf.tensor1d(g);
    opt.apply(new Map([["p", grad]]));
    grad.dispose();
  }
  const got = p.dataSync();
  assert.ok(Math.abs(got[0] - x[0]) < 1e-6 && Math.abs(got[1] - x[1]) < 1e-6, `${got} vs ${x}`);
  assert.equal(opt.step, 2);
  opt.dispose();
  p.dispose();
});

Deno.test("Adam refuses an update with a missing gradient", () => {
  const p = tf.variable(tf.scalar(1));
  const opt = new Adam(new Map([["p", p]]), { lr: 1, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  assert.throws(() => opt.apply(new Map()), /Adam: no gradient for p/);
  opt.dispose();
  p.dispose();
});

Deno.test("the in-place update on wasm equals the tfjs-ops update", async () => {
  await initBackend({ backend: "wasm" });
  const grads = [tf.tensor1d([0.3, -0.2, 0.1]), tf.tensor1d([-1, 0.5, 2])];
  const run = (shared: boolean) => {
    const p = tf.variable(tf.tensor1d([1, 2, 3]));
    // a reshape shares p's memory, which forces the tfjs-ops path
    const alias = shared ? tf.reshape(p, [3, 1]) : undefined;
    const opt = new Adam(new Map([["p", p]]), { lr: 0.01, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
    for (const g of grads) opt.apply(new Map([["p", g]]));
    const out = Array.from(p.dataSync());
    alias?.dispose();
    opt.dispose();
    p.dispose();
    return out;
  };
  const inPlace = run(false), withOps = run(true);
  inPlace.forEach((v, i) => assert.ok(Math.abs(v - withOps[i]) < 1e-6, `${inPlace} vs ${withOps}`));
  tf.dispose(grads);
  await initBackend({ backend: "cpu" });
});

Deno.test("after an update on wasm, a matmul with the parameter uses its new values", async () => {
  // tfjs-backend-wasm caches packed XNNPACK weights by tensor id: an in-place weight update
  // would leave the matmul multiplying with the old weights
  await initBackend({ backend: "wasm" });
  const w = tf.variable(tf.tensor2d([[1, 2], [3, 4]])) as tf.Variable<tf.Rank.R2>;
  const x = tf.tensor2d([[1, 1]]);
  tf.matMul(x, w).dispose(); // packs w
  const opt = new Adam(new Map([["w", w]]), { lr: 0.5, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const g = tf.ones([2, 2]);
  opt.apply(new Map([["w", g]]));
  const expected = w.arraySync().reduce((acc, row) => [acc[0] + row[0], acc[1] + row[1]], [0, 0]);
  const got = (tf.matMul(x, w) as tf.Tensor2D).arraySync()[0];
  assert.ok(
    Math.abs(got[0] - expected[0]) < 1e-6 && Math.abs(got[1] - expected[1]) < 1e-6,
    `${got} vs ${expected}`,
  );
  tf.dispose([w, x, g]);
  opt.dispose();
  await initBackend({ backend: "cpu" });
});
