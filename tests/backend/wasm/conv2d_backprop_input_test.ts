import * as assertNs from "node:assert/strict";
import { CONV_CASES, type ConvCase } from "../../../lib/backend/wasm/conv_cases.ts";
import { setInputGradSmallPatch } from "../../../lib/backend/wasm/conv2d_backprop_input.ts";
import {
  conv2dBackpropInputOp,
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

async function checkInputGrad(
  c: ConvCase,
  dataFormat: "NHWC" | "NCHW",
): Promise<void> {
  await initWasm();
  const { x: xs, dy: dys } = testShapes(c);
  const dyd = randomData(dys.reduce((a, b) => a * b), 21);
  const fd = randomData(c.f.reduce((a, b) => a * b), 22);
  const ref = await onCpu(() =>
    conv2dBackpropInputOp(
      tf.tensor4d(dyd, dys),
      tf.tensor4d(fd, c.f),
      xs,
      c.s,
      c.pad,
      "NHWC",
      c.round,
    )
  );

  const nchw = dataFormat === "NCHW";
  const pad = nchw && Array.isArray(c.pad) ? [c.pad[0], c.pad[3], c.pad[1], c.pad[2]] : c.pad;
  const inputShape: Shape4 = nchw ? [xs[0], xs[3], xs[1], xs[2]] : xs;
  const before = memorySnapshot();
  const dy = tf.tidy(() => {
    const t = tf.tensor4d(dyd, dys);
    return nchw ? tf.transpose(t, [0, 3, 1, 2]) : t;
  });
  const f = tf.tensor4d(fd, c.f);
  const inputsLive = memorySnapshot();
  const out = conv2dBackpropInputOp(
    dy,
    f,
    inputShape,
    c.s,
    pad,
    dataFormat,
    c.round,
  );
  const withOutput = memorySnapshot();
  const outNHWC = nchw ? tf.transpose(out, [0, 2, 3, 1]) : out;
  const got = outNHWC.dataSync();
  assertNs.deepEqual(out.shape, inputShape);
  tf.dispose([dy, f, out, outNHWC]);
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
    `Conv2DBackpropInput on ${kernelEngine()} matches cpu and leaks nothing for ${c.name}`,
    () => checkInputGrad(c, "NHWC"),
  );
}

for (const c of CONV_CASES) {
  Deno.test(
    `Conv2DBackpropInput's phase-conv path (GEMM paths disabled) matches cpu for ${c.name}`,
    async () => {
      const prev = setInputGradSmallPatch(0);
      try {
        await checkInputGrad(c, "NHWC");
      } finally {
        setInputGradSmallPatch(prev);
      }
    },
  );
}

for (const c of CONV_CASES.filter((c) => !c.gan).slice(0, 7)) {
  Deno.test(
    `Conv2DBackpropInput on ${kernelEngine()} handles NCHW for ${c.name}`,
    () => checkInputGrad(c, "NCHW"),
  );
}

Deno.test(`tf.conv2dTranspose on ${kernelEngine()} matches cpu for the 4->7 layer (k3 s2 p1)`, async () => {
  await initWasm();
  const xd = randomData(2 * 4 * 4 * 512, 31);
  const fd = randomData(3 * 3 * 256 * 512, 32);
  const run = () =>
    tf.conv2dTranspose(
      tf.tensor4d(xd, [2, 4, 4, 512]),
      tf.tensor4d(fd, [3, 3, 256, 512]),
      [2, 7, 7, 256],
      2,
      1,
    );
  const ref = await onCpu(run);
  const before = memorySnapshot();
  const got = tf.tidy(run);
  const data = got.dataSync();
  assertNs.deepEqual(got.shape, [2, 7, 7, 256]);
  got.dispose();
  assertNs.deepEqual(memorySnapshot(), before);
  const { err, scale } = maxAbsErr(data, ref.data);
  assertNs.ok(err <= TOL * scale, `max abs err ${err} > ${TOL} * ${scale}`);
});
