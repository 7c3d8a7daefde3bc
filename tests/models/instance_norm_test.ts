import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { instanceNorm } from "../../lib/mod.ts";
import { initWasm, maxAbsErr } from "../backend/wasm/test_util.ts";

await initWasm();

const SHAPE: [number, number, number, number] = [3, 5, 7, 6];

/** Value and gradient of sum(instanceNorm(x) * w), flattened, fused or from tfjs ops. */
function valueAndGrad(fused: boolean, relu: boolean): { y: Float32Array; dx: Float32Array } {
  return tf.tidy(() => {
    const x = tf.randomNormal(SHAPE, 0.5, 2, "float32", 1) as tf.Tensor4D;
    const w = tf.randomNormal(SHAPE, 0, 1, "float32", 2); // a weighted sum: dy not uniform
    const f = (x: tf.Tensor) => tf.sum(tf.mul(instanceNorm(x as tf.Tensor4D, { relu, fused }), w));
    const dx = tf.grad(f)(x);
    const y = instanceNorm(x, { relu, fused });
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  });
}

for (const relu of [false, true]) {
  Deno.test(`fused instance norm${relu ? " + ReLU" : ""} matches tfjs's ops, value and gradient`, () => {
    const fused = valueAndGrad(true, relu), ops = valueAndGrad(false, relu);
    const y = maxAbsErr(fused.y, ops.y), dx = maxAbsErr(fused.dx, ops.dx);
    assert.ok(y.err <= 2e-6 * y.scale, `value: max error ${y.err}`);
    assert.ok(dx.err <= 2e-5 * dx.scale, `gradient: max error ${dx.err} (scale ${dx.scale})`);
  });
}

Deno.test("fused instance norm normalises each image alone and leaves no tensors behind", () => {
  const x = tf.randomNormal(SHAPE, 3, 2, "float32", 3) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const single = tf.tidy(() => instanceNorm(tf.slice(x, [1, 0, 0, 0], [1, -1, -1, -1])));
  const batch = tf.tidy(() => tf.slice(instanceNorm(x), [1, 0, 0, 0], [1, -1, -1, -1]));
  assert.deepEqual(single.dataSync(), batch.dataSync()); // other images do not matter
  tf.tidy(() => {
    tf.grad((x: tf.Tensor) => tf.sum(instanceNorm(x as tf.Tensor4D)))(x);
  });
  tf.dispose([single, batch]);
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});
