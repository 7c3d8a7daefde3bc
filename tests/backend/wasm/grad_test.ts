import * as assertNs from "node:assert/strict";
import { pads } from "../../../lib/backend/wasm/conv_cases.ts";
import { initWasm, kernelEngine, maxAbsErr, memorySnapshot, randomData, tf } from "./test_util.ts";

/** Gradients are sums of many products; allow 1e-3 relative to the scale. */
const GRAD_TOL = 1e-3;

type Shape4 = [number, number, number, number];

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function readAndDispose(ts: tf.Tensor[]): Float32Array[] {
  const out = ts.map((t) => t.dataSync() as Float32Array);
  tf.dispose(ts);
  return out;
}

const WEIGHTS: Record<string, number[]> = {
  g1: [4, 4, 64, 16], // convT 1x1x16 -> 4x4x64
  g2: [3, 3, 32, 64], // convT 4x4x64 -> 7x7x32   (k3 s2 p1)
  g3: [4, 4, 16, 32], // convT 7 -> 14
  g4: [4, 4, 8, 16], // convT 14 -> 28
  g5: [3, 3, 8, 1], // conv 28x28x8 -> 28x28x1 p1
  d1: [4, 4, 1, 8], // conv 28 -> 14
  d2: [4, 4, 8, 16], // 14 -> 7
  d3: [4, 4, 16, 32], // 7 -> 3
  d4: [3, 3, 32, 1], // 3 -> 1
  w1: [1, 8], // dense after D
};

function gan(z: tf.Tensor4D, v: Record<string, tf.Variable>): tf.Scalar {
  const n = z.shape[0];
  let h: tf.Tensor4D = tf.relu(
    tf.conv2dTranspose(z, v.g1 as tf.Tensor4D, [n, 4, 4, 64], 1, 0),
  );
  h = tf.relu(tf.conv2dTranspose(h, v.g2 as tf.Tensor4D, [n, 7, 7, 32], 2, 1));
  h = tf.relu(
    tf.conv2dTranspose(h, v.g3 as tf.Tensor4D, [n, 14, 14, 16], 2, 1),
  );
  h = tf.relu(tf.conv2dTranspose(h, v.g4 as tf.Tensor4D, [n, 28, 28, 8], 2, 1));
  const img = tf.tanh(tf.conv2d(h, v.g5 as tf.Tensor4D, 1, pads(1) as never));
  let d: tf.Tensor4D = tf.leakyRelu(
    tf.conv2d(img, v.d1 as tf.Tensor4D, 2, pads(1) as never),
    0.2,
  );
  d = tf.leakyRelu(tf.conv2d(d, v.d2 as tf.Tensor4D, 2, pads(1) as never), 0.2);
  d = tf.leakyRelu(tf.conv2d(d, v.d3 as tf.Tensor4D, 2, pads(1) as never), 0.2);
  d = tf.conv2d(d, v.d4 as tf.Tensor4D, 1, pads(0) as never);
  const logits = tf.matMul(tf.reshape(d, [n, 1]), v.w1 as tf.Tensor2D);
  return tf.mean(tf.square(logits));
}

async function gradsOn(
  backend: string,
): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  const vars: Record<string, tf.Variable> = {};
  let seed = 100;
  for (const [k, s] of Object.entries(WEIGHTS)) {
    const size = s.reduce((a, b) => a * b);
    const init = tf.tidy(() => tf.mul(tf.tensor(randomData(size, seed++), s), 0.3));
    vars[k] = tf.variable(init, true, `${k}_${backend}_${seed}`);
    init.dispose();
  }
  const z = tf.tensor4d(randomData(2 * 16, 7), [2, 1, 1, 16] as Shape4);
  const { value, grads } = tf.variableGrads(() => gan(z, vars));
  const out: Record<string, Float32Array> = {
    loss: value.dataSync() as Float32Array,
  };
  for (const k of Object.keys(WEIGHTS)) {
    out[k] = grads[vars[k].name].dataSync() as Float32Array;
  }
  tf.dispose([value, z, ...Object.values(grads), ...Object.values(vars)]);
  return out;
}

Deno.test(`tf.variableGrads through a conv2d/conv2dTranspose GAN on ${kernelEngine()} with its training kernels matches cpu`, async () => {
  await initWasm();
  const ref = await gradsOn("cpu");
  await initWasm();
  const before = memorySnapshot();
  const got = await gradsOn("wasm");
  assertNs.deepEqual(memorySnapshot(), before, "memory leaked");
  for (const k of Object.keys(ref)) {
    const { err, scale } = maxAbsErr(got[k], ref[k]);
    const rel = maxAbs(ref[k]) || 1;
    assertNs.ok(
      err <= GRAD_TOL * Math.max(rel, 1e-3 * scale),
      `${k}: max abs err ${err} vs max |ref| ${rel}`,
    );
  }
});

Deno.test(`tf.grads of conv2d with respect to input and filter on ${kernelEngine()} matches cpu`, async () => {
  await initWasm();
  const xs: Shape4 = [3, 9, 11, 5];
  const fs: Shape4 = [3, 3, 5, 6];
  const xd = randomData(3 * 9 * 11 * 5, 61);
  const fd = randomData(3 * 3 * 5 * 6, 62);
  const compute = () => {
    const g = tf.grads((x: tf.Tensor, f: tf.Tensor) =>
      tf.sum(tf.sin(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, "same")))
    );
    return tf.tidy(() => g([tf.tensor4d(xd, xs), tf.tensor4d(fd, fs)]));
  };
  await tf.setBackend("cpu");
  const ref = readAndDispose(compute());
  await initWasm();
  const before = memorySnapshot();
  const got = readAndDispose(compute());
  assertNs.deepEqual(memorySnapshot(), before, "memory leaked");
  for (let i = 0; i < 2; i++) {
    const { err, scale } = maxAbsErr(got[i], ref[i]);
    assertNs.ok(err <= 1e-4 * scale, `grad ${i}: ${err} > 1e-4 * ${scale}`);
  }
});

Deno.test(`tf.grads of conv2dTranspose with respect to input and filter on ${kernelEngine()} matches cpu`, async () => {
  await initWasm();
  const xs: Shape4 = [2, 4, 4, 12];
  const fs: Shape4 = [3, 3, 6, 12];
  const xd = randomData(2 * 4 * 4 * 12, 71);
  const fd = randomData(3 * 3 * 6 * 12, 72);
  const compute = () => {
    const g = tf.grads((x: tf.Tensor, f: tf.Tensor) =>
      tf.sum(
        tf.sin(
          tf.conv2dTranspose(
            x as tf.Tensor4D,
            f as tf.Tensor4D,
            [2, 7, 7, 6],
            2,
            1,
          ),
        ),
      )
    );
    return tf.tidy(() => g([tf.tensor4d(xd, xs), tf.tensor4d(fd, fs)]));
  };
  await tf.setBackend("cpu");
  const ref = readAndDispose(compute());
  await initWasm();
  const before = memorySnapshot();
  const got = readAndDispose(compute());
  assertNs.deepEqual(memorySnapshot(), before, "memory leaked");
  for (let i = 0; i < 2; i++) {
    const { err, scale } = maxAbsErr(got[i], ref[i]);
    assertNs.ok(err <= 1e-4 * scale, `grad ${i}: ${err} > 1e-4 * ${scale}`);
  }
});

Deno.test(`tf.variableGrads through a dense MLP (fused matMul + relu) on ${kernelEngine()} matches cpu`, async () => {
  const dims = [100, 256, 512, 1024, 784];
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const ws = dims.slice(1).map((d, i) =>
      tf.tidy(() =>
        tf.variable(
          tf.mul(
            tf.tensor(randomData(dims[i] * d, 80 + i), [dims[i], d]),
            0.05,
          ),
          true,
          `w${i}${backend}`,
        )
      )
    );
    const bs = dims.slice(1).map((d, i) =>
      tf.tidy(() => tf.variable(tf.tensor(randomData(d, 90 + i)), true, `b${i}${backend}`))
    );
    const x = tf.tensor(randomData(64 * 100, 99), [64, 100]);
    const { value, grads } = tf.variableGrads(() => {
      let h: tf.Tensor = x;
      for (let i = 0; i < ws.length; i++) {
        h = tf.fused.matMul({
          a: h as tf.Tensor2D,
          b: ws[i] as tf.Tensor2D,
          bias: bs[i],
          activation: i < ws.length - 1 ? "relu" : "linear",
        });
      }
      return tf.mean(tf.square(tf.tanh(h)));
    });
    const out = [
      value.dataSync(),
      ...ws.map((w) => grads[w.name].dataSync()),
      ...bs.map((b) => grads[b.name].dataSync()),
    ];
    tf.dispose([value, x, ...Object.values(grads), ...ws, ...bs]);
    return out;
  };
  await initWasm();
  const ref = await run("cpu");
  await initWasm();
  const before = memorySnapshot();
  const got = await run("wasm");
  assertNs.deepEqual(memorySnapshot(), before, "memory leaked");
  for (let i = 0; i < ref.length; i++) {
    const { err } = maxAbsErr(got[i], ref[i]);
    const rel = maxAbs(ref[i]) || 1;
    assertNs.ok(
      err <= GRAD_TOL * rel + 1e-9,
      `tensor ${i}: ${err} vs max |ref| ${rel}`,
    );
  }
});
