import * as assertNs from "node:assert/strict";
import { type MatMulStrategy, setMatMulStrategy } from "../../../lib/backend/wasm/batch_mat_mul.ts";
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

interface MatCase {
  name: string;
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

const MLP: [number, number][] = [
  [100, 256],
  [256, 512],
  [512, 1024],
  [1024, 784],
  [784, 1024],
  [1024, 512],
  [512, 256],
  [256, 1],
];

const CASES: MatCase[] = [];
for (const [i, o] of MLP) {
  CASES.push({
    name: `forward x@W ${i}->${o}`,
    a: [64, i],
    b: [i, o],
    ta: false,
    tb: false,
  });
  CASES.push({
    name: `input grad dy@W^T ${i}->${o}`,
    a: [64, o],
    b: [i, o],
    ta: false,
    tb: true,
  });
  CASES.push({
    name: `weight grad x^T@dy ${i}->${o}`,
    a: [64, i],
    b: [64, o],
    ta: true,
    tb: false,
  });
}
CASES.push(
  { name: "both transposed 2-D", a: [70, 33], b: [45, 70], ta: true, tb: true },
  {
    name: "small batched with transposes (stock fallback)",
    a: [3, 9, 7],
    b: [3, 5, 9],
    ta: true,
    tb: true,
  },
  {
    name: "large batched per-entry GEMMs",
    a: [2, 64, 96],
    b: [2, 96, 80],
    ta: false,
    tb: false,
  },
  {
    name: "large batched per-entry GEMMs transposeA",
    a: [3, 96, 64],
    b: [3, 96, 80],
    ta: true,
    tb: false,
  },
  {
    name: "large batched per-entry GEMMs transposeB",
    a: [2, 64, 96],
    b: [2, 80, 96],
    ta: false,
    tb: true,
  },
  {
    name: "shared rank-2 B becomes one tall GEMM",
    a: [3, 40, 50],
    b: [50, 60],
    ta: false,
    tb: false,
  },
  {
    name: "shared rank-2 B transposed",
    a: [3, 40, 50],
    b: [60, 50],
    ta: false,
    tb: true,
  },
  {
    name: "broadcast A batch 1 against B batch 3",
    a: [1, 40, 50],
    b: [3, 50, 60],
    ta: false,
    tb: false,
  },
  {
    name: "rank-4 batch dims",
    a: [2, 3, 40, 50],
    b: [2, 3, 50, 60],
    ta: false,
    tb: false,
  },
  {
    name: "partial broadcast (stock fallback)",
    a: [2, 1, 40, 50],
    b: [1, 3, 50, 60],
    ta: false,
    tb: false,
  },
  {
    name: "vector-like 1xK @ KxN transposed",
    a: [50, 1],
    b: [50, 20],
    ta: true,
    tb: false,
  },
);

async function check(c: MatCase, strategy: MatMulStrategy): Promise<void> {
  await initWasm();
  const ad = randomData(c.a.reduce((x, y) => x * y), 41);
  const bd = randomData(c.b.reduce((x, y) => x * y), 42);
  const run = () => tf.matMul(tf.tensor(ad, c.a), tf.tensor(bd, c.b), c.ta, c.tb);
  const ref = await onCpu(run);
  setMatMulStrategy(strategy);
  try {
    const before = memorySnapshot();
    const a = tf.tensor(ad, c.a);
    const b = tf.tensor(bd, c.b);
    const out = tf.matMul(a, b, c.ta, c.tb);
    const got = out.dataSync();
    assertNs.deepEqual(out.shape, ref.shape);
    tf.dispose([a, b, out]);
    assertNs.deepEqual(memorySnapshot(), before, "memory leaked");
    const { err, scale } = maxAbsErr(got, ref.data);
    assertNs.ok(err <= TOL * scale, `max abs err ${err} > ${TOL} * ${scale}`);
  } finally {
    setMatMulStrategy("auto");
  }
}

for (const c of CASES) {
  Deno.test(`BatchMatMul on ${kernelEngine()} matches cpu and leaks nothing for ${c.name}`, () =>
    check(c, "auto"));
}
for (const c of CASES.filter((c) => c.ta || c.tb)) {
  for (const s of ["materialize", "transposedProduct"] as const) {
    Deno.test(`BatchMatMul with forced ${s} strategy matches cpu for ${c.name}`, () => check(c, s));
  }
}

Deno.test(`BatchMatMul on ${kernelEngine()} still rejects mismatched inner dimensions`, async () => {
  await initWasm();
  assertNs.throws(
    () => tf.matMul(tf.zeros([2, 3]), tf.zeros([4, 5])),
    /inner shapes/,
  );
});
