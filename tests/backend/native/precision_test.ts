/**
 * Mixed precision on the native engine: every bf16 kernel against its fp32 twin on the models'
 * shapes, within the bound bfloat16's rounding allows; the weight gradient and the dense-layer
 * GEMM path; how the precision is chosen, reported and refused.
 *
 * The bound: bfloat16 keeps 8 significant bits, so rounding an operand changes it by at most
 * u = 2^-8 of its magnitude, and a product of two rounded operands by at most (2u + u^2) of
 * |a| |b|. A convolution or matrix product sums such products in float32, so each output is
 * off by at most about 2^-7 * sum |a_i| |b_i|: the same operation on |x| and |w| in fp32 gives
 * that sum per output. The tests allow 1.05 times it (fp32 accumulation adds ~2^-24 per term).
 *
 * @module
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/init_backend.ts";
import {
  convolve,
  type ConvPass,
  type ConvShape,
  isDenseConv,
} from "../../../lib/backend/native/convolution.ts";
import { Dnnl, ptrOf } from "../../../lib/backend/native/dnnl.ts";
import { resolvePrecision, withPrecision } from "../../../lib/backend/native/engine.ts";
import { gemm } from "../../../lib/backend/native/matmul.ts";
import { randomData } from "../wasm/test_util.ts";
import { cpuHasBf16, nativeUnavailableReason } from "./native_util.ts";
import { rejection } from "../../_support/errors.ts";
import { OptionError } from "../../../lib/option_error.ts";

const ignore = nativeUnavailableReason() !== null;
const BF16_BOUND = 1.05 * 2 ** -7;

const conv = (
  n: number,
  h: number,
  ci: number,
  oh: number,
  co: number,
  k: number,
  s: number,
  p: number,
): ConvShape => ({ n, h, w: h, ci, oh, ow: oh, co, kh: k, kw: k, sh: s, sw: s, pt: p, pl: p });

/** The DCGAN's layers (batch 8) as the forward convolutions whose passes the model runs. */
const SHAPES: [string, ConvShape][] = [
  ["D 1->64, 28->14", conv(8, 28, 1, 14, 64, 4, 2, 1)],
  ["D 64->128, 14->7", conv(8, 14, 64, 7, 128, 4, 2, 1)],
  ["D 128->256, 7->3", conv(8, 7, 128, 3, 256, 4, 2, 1)],
  ["D 256->1, 3->1 (dense)", conv(8, 3, 256, 1, 1, 3, 1, 0)],
  ["G 100->512, 1->4 (dense)", conv(8, 4, 512, 1, 100, 4, 1, 0)],
  ["G 512->256, 4->7", conv(8, 7, 256, 4, 512, 3, 2, 1)],
  ["G 64->1, 28->28", conv(8, 28, 64, 28, 1, 3, 1, 1)],
];

const sizes = (s: ConvShape) => ({
  x: s.n * s.h * s.w * s.ci,
  w: s.kh * s.kw * s.ci * s.co,
  y: s.n * s.oh * s.ow * s.co,
});

/** Runs one pass on copies of the inputs; returns the output buffer. */
function run(
  dnnl: Dnnl,
  s: ConvShape,
  pass: ConvPass,
  data: { x: Float32Array; w: Float32Array; y: Float32Array },
): Float32Array {
  const b = { x: data.x.slice(), w: data.w.slice(), y: data.y.slice() };
  const out = pass === "forward" ? "y" : pass === "backwardData" ? "x" : "w";
  b[out].fill(0);
  convolve(dnnl, s, pass, { x: ptrOf(b.x), w: ptrOf(b.w), y: ptrOf(b.y) });
  return b[out];
}

const abs = (a: Float32Array) => a.map(Math.abs);

for (const [name, s] of SHAPES) {
  for (const pass of ["forward", "backwardData", "backwardWeights"] as ConvPass[]) {
    Deno.test({
      name: `${name}, ${pass}: bf16 lies within bfloat16's rounding bound of fp32`,
      ignore,
      fn() {
        const dnnl = Dnnl.open();
        const n = sizes(s);
        const data = { x: randomData(n.x, 1), w: randomData(n.w, 2), y: randomData(n.y, 3) };
        dnnl.precision = "fp32";
        const ref = run(dnnl, s, pass, data);
        const bound = run(dnnl, s, pass, { x: abs(data.x), w: abs(data.w), y: abs(data.y) });
        dnnl.precision = "bf16";
        let got: Float32Array;
        try {
          got = run(dnnl, s, pass, data);
        } catch (err) {
          // oneDNN has no bf16 kernel for this ISA (AVX2 and older): nothing to check here
          if (!cpuHasBf16() && /unimplemented/.test(String(err))) return;
          throw err;
        }
        let worst = 0;
        for (let i = 0; i < ref.length; i++) {
          const err = Math.abs(got[i] - ref[i]);
          worst = Math.max(worst, err / (BF16_BOUND * bound[i] + 1e-6));
        }
        assert.ok(worst <= 1, `worst error is ${worst.toFixed(3)} of the bound`);
        if (pass === "backwardWeights") {
          // the weight gradient stays float32 at bf16: the same numbers
          assert.deepEqual(got, ref);
        } else {
          // and bf16 did compute something else than fp32
          assert.ok(got.some((v, i) => v !== ref[i]), "bf16 gave fp32's exact numbers");
        }
      },
    });
  }
}

Deno.test({
  name: "the dense-layer weight gradient (one GEMM) equals the sum it stands for",
  ignore,
  fn() {
    const dnnl = Dnnl.open();
    const s = SHAPES.find(([n]) => n.startsWith("G 100->512"))![1];
    assert.ok(isDenseConv(s));
    assert.ok(!isDenseConv(SHAPES[1][1]));
    const n = sizes(s);
    const data = { x: randomData(n.x, 4), w: randomData(n.w, 5), y: randomData(n.y, 6) };
    const got = run(dnnl, s, "backwardWeights", data);
    // dW[kh, kw, ci, co] = sum over the batch of x[b, kh, kw, ci] dy[b, co]
    const rows = s.kh * s.kw * s.ci;
    let worst = 0;
    for (let r = 0; r < rows; r += 97) {
      for (let co = 0; co < s.co; co++) {
        let sum = 0;
        for (let b = 0; b < s.n; b++) sum += data.x[b * rows + r] * data.y[b * s.co + co];
        worst = Math.max(worst, Math.abs(got[r * s.co + co] - sum));
      }
    }
    assert.ok(worst < 1e-5, `max difference ${worst}`);
  },
});

Deno.test({
  name: "a bf16 GEMM lies within bfloat16's rounding bound of sgemm, every transpose",
  ignore,
  fn() {
    const dnnl = Dnnl.open();
    const [m, n, k] = [64, 300, 257];
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const a = randomData(m * k, 7), b = randomData(k * n, 8);
        const product = (p: "fp32" | "bf16", x: Float32Array, y: Float32Array) => {
          const c = new Float32Array(m * n);
          gemm(dnnl, { transA, transB, m, n, k }, ptrOf(x), ptrOf(y), ptrOf(c), 0, p);
          return c;
        };
        const ref = product("fp32", a, b);
        let got: Float32Array;
        try {
          got = product("bf16", a, b);
        } catch (err) {
          // no bf16 GEMM for this ISA (AVX2 and older): nothing to check here
          if (!cpuHasBf16() && /unimplemented/.test(String(err))) return;
          throw err;
        }
        const bound = product("fp32", abs(a), abs(b));
        for (let i = 0; i < ref.length; i++) {
          assert.ok(
            Math.abs(got[i] - ref[i]) <= BF16_BOUND * bound[i] + 1e-6,
            `transA ${transA} transB ${transB}: element ${i}: ${got[i]} vs ${ref[i]}`,
          );
        }
      }
    }
  },
});

Deno.test({
  name: "auto means fp32 (bf16 missed the quality bar), and bf16 is refused where the CPU lacks it",
  ignore,
  fn() {
    const info = Dnnl.open().info;
    assert.equal(resolvePrecision("auto", info), "fp32");
    assert.equal(resolvePrecision("auto", { ...info, bf16: true }), "fp32");
    assert.equal(resolvePrecision("bf16", { ...info, bf16: true }), "bf16");
    const without = { ...info, bf16: false, isa: "avx512_core" };
    assert.throws(
      () => resolvePrecision("bf16", without),
      (e: unknown) =>
        e instanceof OptionError && e.options[0] === "precision" &&
        /precision bf16 needs a CPU with bfloat16 dot products \(avx512_bf16 or AMX\); oneDNN reports avx512_core here: use precision fp32 or auto/
          .test(e.message),
    );
  },
});

Deno.test({
  name: "bf16 with no backend named goes to the native engine, whose refusal is the one error",
  ignore: ignore || cpuHasBf16(),
  async fn() {
    const err = await rejection(() => initBackend({ precision: "bf16" }));
    assert.ok(err instanceof OptionError, String(err));
    assert.match(err.message, /^precision bf16 needs a CPU with bfloat16 dot products/);
    assert.doesNotMatch(err.message, /wasm|webgpu|no backend could start/);
  },
});

Deno.test({
  name: "bf16 asked of a backend other than native is an error naming the option",
  async fn() {
    const err = await rejection(() => initBackend({ backend: "wasm", precision: "bf16" }));
    assert.match(
      (err as Error).message,
      /backend 'wasm' is unavailable: precision bf16 runs on the native engine only/,
    );
    const bad = await rejection(() => initBackend({ precision: "fp16" as never }));
    assert.match(
      (bad as Error).message,
      /unknown precision 'fp16': expected one of auto, fp32, bf16/,
    );
  },
});

Deno.test({
  name: "at fp32 the backend line says why: no bf16 on this CPU, or bf16 only on request",
  ignore,
  async fn() {
    const report = await initBackend({ backend: "native", threads: 1, precision: "auto" });
    assert.equal(report.precision, "fp32");
    const why = cpuHasBf16() ? "bf16 on request" : "no bf16 on this CPU";
    assert.ok(report.detail.includes(`precision fp32, ${why})`), report.detail);
  },
});

Deno.test({
  name: "the backend line says the precision, and withPrecision switches it for a call only",
  ignore: ignore || !cpuHasBf16(),
  async fn() {
    const report = await initBackend({ backend: "native", threads: 1, precision: "bf16" });
    assert.equal(report.precision, "bf16");
    assert.match(report.detail, /precision bf16\)/);
    const x = tf.randomUniform([2, 8, 8, 3], -1, 1, "float32", 1);
    const w = tf.randomUniform([3, 3, 3, 4], -1, 1, "float32", 2);
    const at = (p: "fp32" | "bf16") =>
      withPrecision(p, () => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same").dataSync());
    const low = at("bf16"), full = at("fp32");
    assert.ok(low.some((v, i) => v !== full[i]));
    // back at bf16 after the call
    assert.deepEqual(at("bf16"), low);
    const fp32 = await initBackend({ backend: "native", threads: 1, precision: "fp32" });
    assert.equal(fp32.precision, "fp32");
    assert.deepEqual(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same").dataSync(), full);
    tf.dispose([x, w]);
  },
});
