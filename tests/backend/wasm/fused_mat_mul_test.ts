import * as assertNs from "node:assert/strict";
import {
  initWasm,
  kernelEngine,
  maxAbsErr,
  memorySnapshot,
  onCpu,
  randomData,
  tf,
  TOL,
} from "./test_util.ts";

type Act =
  | "linear"
  | "relu"
  | "relu6"
  | "prelu"
  | "leakyrelu"
  | "sigmoid"
  | "elu";
const ACTS: Act[] = [
  "linear",
  "relu",
  "relu6",
  "prelu",
  "leakyrelu",
  "sigmoid",
  "elu",
];

interface FusedCase {
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
  bias: number[] | null;
}

const SHAPES: [string, FusedCase][] = [
  ["no transpose 64x784 @ 784x1024", {
    a: [64, 784],
    b: [784, 1024],
    ta: false,
    tb: false,
    bias: [1024],
  }],
  ["transposeB 64x256 @ (100x256)^T", {
    a: [64, 256],
    b: [100, 256],
    ta: false,
    tb: true,
    bias: [100],
  }],
  ["transposeA (64x512)^T @ 64x256", {
    a: [64, 512],
    b: [64, 256],
    ta: true,
    tb: false,
    bias: [256],
  }],
  ["both transposed", {
    a: [40, 30],
    b: [20, 40],
    ta: true,
    tb: true,
    bias: [20],
  }],
  ["batched 3-D with rank-2 bias", {
    a: [2, 30, 40],
    b: [2, 40, 20],
    ta: false,
    tb: false,
    bias: [30, 20],
  }],
  ["no bias, transposeB", {
    a: [64, 100],
    b: [50, 100],
    ta: false,
    tb: true,
    bias: null,
  }],
];

for (const [label, c] of SHAPES) {
  for (const act of ACTS) {
    Deno.test(`_FusedMatMul on ${kernelEngine()} matches cpu for ${label} with ${act}`, async () => {
      await initWasm();
      const ad = randomData(c.a.reduce((x, y) => x * y), 51);
      const bd = randomData(c.b.reduce((x, y) => x * y), 52);
      const n = c.tb ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
      const biasD = c.bias ? randomData(c.bias.reduce((x, y) => x * y), 53) : null;
      const alphaD = randomData(n, 54);
      const run = () =>
        tf.fused.matMul({
          a: tf.tensor(ad, c.a),
          b: tf.tensor(bd, c.b),
          transposeA: c.ta,
          transposeB: c.tb,
          bias: biasD ? tf.tensor(biasD, c.bias!) : undefined,
          activation: act,
          preluActivationWeights: act === "prelu" ? tf.tensor1d(alphaD) : undefined,
          leakyreluAlpha: 0.1,
        });
      const ref = await onCpu(run);
      const before = memorySnapshot();
      const out = tf.tidy(run);
      const got = out.dataSync();
      assertNs.deepEqual(out.shape, ref.shape);
      out.dispose();
      assertNs.deepEqual(memorySnapshot(), before, "memory leaked");
      const { err, scale } = maxAbsErr(got, ref.data);
      assertNs.ok(err <= TOL * scale, `max abs err ${err} > ${TOL} * ${scale}`);
    });
  }
}
