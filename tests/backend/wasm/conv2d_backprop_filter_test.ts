import * as assertNs from "node:assert/strict";

import { CONV_CASES, type ConvCase } from "../../../lib/backend/wasm/conv_cases.ts";
import { setFilterGradThresholds } from "../../../lib/backend/wasm/conv2d_backprop_filter.ts";
import {
  conv2dBackpropFilterOp,
  initWasm,
  kernelEngine,
  maxAbsErr,
  memorySnapshot,
  onCpu,
  randomData,
  tf,
  TOL,
} from "./test_util.ts";

type Shape4 = [number, number, number, number];

/** cpu references per case (the cpu filter gradient is slow). */
const refCache = new Map<string, { data: Float32Array; shape: number[] }>();

function testShapes(c: ConvCase): { x: Shape4; dy: Shape4 } {
  const x: Shape4 = [c.gan ? 2 : c.x[0], c.x[1], c.x[2], c.x[3]];
  const info = tf.backend_util.computeConv2DInfo(
    x,
    c.f,
    c.s,
    1,
    c.pad as "same",
    c.round,
  );
  return { x, dy: info.outShape as Shape4 };
}

async function checkFilterGrad(
  c: ConvCase,
  dataFormat: "NHWC" | "NCHW",
): Promise<void> {
  await initWasm();
  const { x: xs, dy: dys } = testShapes(c);
  const xd = randomData(xs.reduce((a, b) => a * b), 11);
  const dyd = randomData(dys.reduce((a, b) => a * b), 12);
  const toFmt = (t: tf.Tensor4D) => dataFormat === "NCHW" ? tf.transpose(t, [0, 3, 1, 2]) : t;
  const pad = dataFormat === "NCHW" && Array.isArray(c.pad)
    ? [c.pad[0], c.pad[3], c.pad[1], c.pad[2]]
    : c.pad;
  const ref = refCache.get(c.name) ?? await onCpu(() =>
    conv2dBackpropFilterOp(
      tf.tensor4d(xd, xs),
      tf.tensor4d(dyd, dys),
      c.f,
      c.s,
      c.pad,
      "NHWC",
      c.round,
    )
  );

  refCache.set(c.name, ref);
  const before = memorySnapshot();
  const x = tf.tidy(() => toFmt(tf.tensor4d(xd, xs)));
  const dy = tf.tidy(() => toFmt(tf.tensor4d(dyd, dys)));
  const inputsLive = memorySnapshot();
  const out = conv2dBackpropFilterOp(x, dy, c.f, c.s, pad, dataFormat, c.round);
  const withOutput = memorySnapshot();
  const got = out.dataSync();
  assertNs.deepEqual(out.shape, c.f);
  tf.dispose([x, dy, out]);
  const after = memorySnapshot();

  const { err, scale } = maxAbsErr(got, ref.data);
  assertNs.ok(err <= TOL * scale, `max abs err ${err} > ${TOL} * ${scale}`);
  assertNs.deepEqual(after, before, "memory leaked");
  // The kernel leaves exactly one new buffer and tensor: its output.
  assertNs.equal(withOutput.numDataIds - inputsLive.numDataIds, 1);
  assertNs.equal(withOutput.numTensors - inputsLive.numTensors, 1);
}

for (const c of CONV_CASES) {
  Deno.test(
    `Conv2DBackpropFilter on ${kernelEngine()} matches cpu and leaks nothing for ${c.name}`,
    () => checkFilterGrad(c, "NHWC"),
  );
}

for (const c of CONV_CASES) {
  for (
    const [label, t] of [
      ["dilated-conv path only", { smallPatch: 0, smallCo: 0 }],
      ["shifted-dy GEMM path preferred", { smallPatch: 0, smallCo: 1e9 }],
    ] as const
  ) {
    Deno.test(
      `Conv2DBackpropFilter's ${label} matches cpu for ${c.name}`,
      async () => {
        const prev = setFilterGradThresholds(t);
        try {
          await checkFilterGrad(c, "NHWC");
        } finally {
          setFilterGradThresholds(prev);
        }
      },
    );
  }
}

for (const c of CONV_CASES.filter((c) => !c.gan).slice(0, 7)) {
  Deno.test(
    `Conv2DBackpropFilter on ${kernelEngine()} handles NCHW input for ${c.name}`,
    () => checkFilterGrad(c, "NCHW"),
  );
}
