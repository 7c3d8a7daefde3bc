import * as assertNs from "node:assert/strict";
import { reductionGeometry } from "../../../lib/backend/wasm/reduce.ts";
import { initWasm, maxAbsErr, onCpu, randomData, tf } from "./test_util.ts";

Deno.test("a reduction reads its tensor as [outer, reduced, inner] only for one block of axes that is not innermost", () => {
  assertNs.deepEqual(reductionGeometry([4, 5, 6, 7], [0, 1, 2]), {
    outer: 1,
    reduced: 120,
    inner: 7,
  });
  assertNs.deepEqual(reductionGeometry([4, 5, 6, 7], [2, 1]), { outer: 4, reduced: 30, inner: 7 });
  assertNs.equal(reductionGeometry([4, 5, 6, 7], [3]), null); // innermost: stock
  assertNs.equal(reductionGeometry([4, 5, 6, 7], [0, 2]), null); // two blocks: stock
  assertNs.equal(reductionGeometry([4, 5, 6, 7], []), null);
});

const CASES: { shape: number[]; axis: number[]; keepDims: boolean }[] = [
  { shape: [8, 7, 7, 16], axis: [0, 1, 2], keepDims: false }, // a bias gradient
  { shape: [8, 7, 7, 16], axis: [1, 2], keepDims: true }, // per-image channel means
  { shape: [3, 3, 16, 32], axis: [0, 1, 2], keepDims: true }, // demodulation
  { shape: [64, 100], axis: [0], keepDims: false }, // a batch mean
  { shape: [6, 5, 4], axis: [2], keepDims: false }, // innermost: the stock kernel
  { shape: [6, 5, 4], axis: [0, 2], keepDims: true }, // two blocks: the stock kernel
];

for (const op of ["sum", "mean"] as const) {
  for (const { shape, axis, keepDims } of CASES) {
    Deno.test(`${op} over axes [${axis}] of [${shape}]${keepDims ? ", dims kept," : ""} agrees with the cpu backend`, async () => {
      await initWasm();
      const size = shape.reduce((a, b) => a * b, 1);
      const f = () => tf[op](tf.tensor(randomData(size, 7), shape), axis, keepDims);
      const expected = await onCpu(f);
      const before = tf.memory().numTensors;
      const actual = tf.tidy(f);
      assertNs.deepEqual(actual.shape, expected.shape);
      const { err, scale } = maxAbsErr(actual.dataSync(), expected.data);
      assertNs.ok(err <= 1e-5 * scale, `max error ${err}`);
      actual.dispose();
      assertNs.equal(tf.memory().numTensors, before);
    });
  }
}

Deno.test("an integer sum over leading axes goes to the stock kernel and stays exact", async () => {
  await initWasm();
  const x = tf.tensor3d([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], undefined, "int32");
  const s = tf.sum(x, [0, 1]);
  assertNs.equal(s.dtype, "int32");
  assertNs.deepEqual(Array.from(await s.data()), [16, 20]);
  tf.dispose([x, s]);
});
