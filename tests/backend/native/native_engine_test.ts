import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  Adam,
  describeBackend,
  GanTrainer,
  initBackend,
  MODEL_KINDS,
  MODELS,
  NonFiniteLossError,
  RunDir,
  trainRun,
} from "../../../lib/mod.ts";
import { nativeKernelCalls } from "../../../lib/backend/native/kernels.ts";
import { rejection } from "../../_support/errors.ts";
import { smallConfig } from "../../_support/small_config.ts";
import { loadTinyDataset } from "../../_support/tiny_dataset.ts";
import { cpuHasBf16, nativeUnavailableReason } from "./native_util.ts";

const reason = nativeUnavailableReason();
const ignore = reason !== null;
const missing = "libdnnl-absent.so.2";

// The fallback tests come first: once the engine has started, this process keeps it.
Deno.test("--backend native without oneDNN fails naming the library and the apt package", async () => {
  const err = await rejection(() => initBackend({ backend: "native", nativeLibrary: missing }));
  assert.match(
    (err as Error).message,
    /backend 'native' is unavailable: oneDNN is not installed \(libdnnl-absent\.so\.2: .*\); install it with: apt-get install libdnnl2/,
  );
});

Deno.test("auto falls back to the wasm pack without oneDNN and says why in the backend line", async () => {
  const report = await initBackend({ backend: "auto", nativeLibrary: missing, threads: 1 });
  assert.equal(report.name, "wasm");
  // (webgpu is passed over too where there is no hardware GPU)
  const skipped = report.skipped.map((s) => s.name).filter((n) => n !== "webgpu");
  assert.deepEqual(skipped, ["tensorflow", "native"]);
  assert.match(
    describeBackend(report),
    /native skipped: oneDNN is not installed .*apt-get install libdnnl2/,
  );
  assert.equal(tf.getBackend(), "wasm");
});

Deno.test({
  name:
    "auto picks native where oneDNN opens, and the line names library, version, ISA and threads",
  ignore,
  async fn() {
    const report = await initBackend({ backend: "auto", threads: 1 });
    assert.equal(report.name, "native");
    assert.equal(tf.getBackend(), "wasm");
    assert.equal(report.threads, 1);
    assert.match(
      describeBackend(report),
      /^backend native \(oneDNN 2\.\d+\.\d+ \(libdnnl\.so\.2, (avx512\w*|avx2\w*|avx|sse41|isa \w+), 1 OpenMP thread, precision (bf16|fp32, no bf16 on this CPU|fp32, bf16 on request)\) over wasm \(SIMD, 1 thread, training kernels registered\)\)/,
    );
  },
});

for (const kind of MODEL_KINDS) {
  Deno.test({
    name: `${kind}: training steps on native run the native kernels and keep the tensor count`,
    ignore,
    async fn() {
      await initBackend({ backend: "native", threads: 1 });
      const t = new GanTrainer(smallConfig(kind));
      const x = tf.randomUniform([8, 28, 28, 1], -1, 1) as tf.Tensor4D;
      const labels = MODELS[kind].conditional
        ? tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32")
        : undefined;
      nativeKernelCalls.clear();
      const first = await t.trainStep(x, 1, 0, labels);
      assert.ok(Number.isFinite(first.dLoss) && Number.isFinite(first.gLoss!));
      const after1 = tf.memory().numTensors;
      for (let i = 1; i < 4; i++) await t.trainStep(x, 1, i, labels);
      assert.equal(tf.memory().numTensors, after1);
      const used = [...nativeKernelCalls].filter(([, c]) => c.native > 0).map(([k]) => k);
      const fellBack = [...nativeKernelCalls].filter(([, c]) => c.fallback > 0).map(([k]) => k);
      assert.deepEqual(fellBack, [], `fell back: ${fellBack}`);
      const expected = kind === "mlp"
        ? ["BatchMatMul", "_FusedMatMul"]
        : ["Conv2D", "Conv2DBackpropFilter", "Conv2DBackpropInput"];
      for (const k of expected) assert.ok(used.includes(k), `${k} not run natively (ran ${used})`);
      tf.dispose([x, labels!].filter(Boolean));
      t.dispose();
    },
  });
}

Deno.test({
  name:
    "a convolution whose stride leaves input rows unread goes to the wasm pack, gradients included",
  ignore,
  async fn() {
    await initBackend({ backend: "native", threads: 1 });
    // 'valid', 10 rows, k3 s3: the last row is never read (oneDNN's far padding would be -1)
    const x = tf.randomNormal([2, 10, 9, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const f = tf.randomNormal([3, 2, 3, 4], 0, 1, "float32", 2) as tf.Tensor4D;
    nativeKernelCalls.clear();
    const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 3, "valid"))
    )([x, f]);
    assert.deepEqual(dx.shape, x.shape);
    assert.deepEqual(df.shape, f.shape);
    for (const k of ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"]) {
      assert.deepEqual(nativeKernelCalls.get(k), { native: 0, fallback: 1 }, k);
    }
    tf.dispose([x, f, dx, df]);
  },
});

Deno.test({
  name: "tanh on native is Math.tanh to within 2e-7, its gradient tfjs's, and leaves no tensors",
  ignore,
  async fn() {
    await initBackend({ backend: "native", threads: 1 });
    // saturated tails, the origin, and a generator output's size
    const values = Float32Array.from({ length: 64 * 784 }, (_, i) => (i % 4001 - 2000) / 200);
    const x = tf.tensor2d(values, [64, 784]);
    const before = tf.memory().numTensors;
    nativeKernelCalls.clear();
    const [y, dx] = tf.tidy(() => [tf.tanh(x), tf.grad((v: tf.Tensor) => tf.sum(tf.tanh(v)))(x)]);
    assert.deepEqual(nativeKernelCalls.get("Tanh"), { native: 2, fallback: 0 });
    const [yv, gv] = [y.dataSync(), dx.dataSync()];
    for (let i = 0; i < values.length; i++) {
      const t = Math.tanh(values[i]);
      assert.ok(Math.abs(yv[i] - t) <= 2e-7, `tanh(${values[i]}) = ${yv[i]}, not ${t}`);
      assert.ok(Math.abs(gv[i] - (1 - t * t)) <= 1e-6, `tanh'(${values[i]}) = ${gv[i]}`);
    }
    tf.dispose([y, dx]);
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  },
});

Deno.test({
  name: "wgan-gp's second-order gradients train on native",
  ignore,
  async fn() {
    await initBackend({ backend: "native", threads: 1 });
    const t = new GanTrainer(smallConfig("dcgan", { loss: "wgan-gp" }));
    const x = tf.randomUniform([8, 28, 28, 1], -1, 1) as tf.Tensor4D;
    for (let i = 0; i < 2; i++) {
      const r = await t.trainStep(x, 1, i);
      assert.ok(Number.isFinite(r.dLoss), `step ${i}: D loss ${r.dLoss}`);
    }
    x.dispose();
    t.dispose();
  },
});

const tinyTrain = async () => (await loadTinyDataset({ trainCount: 40 })).train;
const tmp = () => path.join(fs.mkdtempSync("/tmp/native-run-"), "run");

Deno.test({
  name: "a diverging run on native stops at the NaN step and keeps the last good checkpoint",
  ignore,
  async fn() {
    await initBackend({ backend: "native", threads: 1 });
    const dir = tmp();
    const config = smallConfig("dcgan", { epochs: 1, lrG: Infinity, checkpointEvery: 1 });
    const train = await tinyTrain();
    const err = await rejection(() => trainRun({ outDir: dir, config, train }));
    assert.ok(err instanceof NonFiniteLossError, String(err));
    assert.match(err.message, /D loss is NaN at step 2/);
    assert.equal(new RunDir(dir).history().length, 1);
  },
});

for (const precision of ["fp32", "bf16"] as const) {
  Deno.test({
    name:
      `dcgan on native at ${precision}: a resumed run produces the same losses as an uninterrupted one`,
    ignore: ignore || (precision === "bf16" && !cpuHasBf16()),
    async fn() {
      // two OpenMP threads: oneDNN's threaded reductions must be deterministic too
      await initBackend({ backend: "native", threads: 2, precision });
      const train = await tinyTrain();
      const whole = tmp(), split = tmp();
      await trainRun({ outDir: whole, config: smallConfig("dcgan", { epochs: 2 }), train });
      await trainRun({
        outDir: split,
        config: smallConfig("dcgan", { epochs: 2, maxSteps: 7 }),
        train,
      });
      await trainRun({
        outDir: split,
        config: smallConfig("dcgan", { epochs: 2 }),
        train,
        resume: true,
      });
      assert.deepEqual(new RunDir(split).history(), new RunDir(whole).history());
      assert.equal(new RunDir(split).stats()?.precision, precision);
    },
  });
}

Deno.test({
  name: "Adam on native (oneDNN passes) matches the JS loop on cpu over three steps",
  ignore,
  async fn() {
    const n = 5000; // above the native update's threshold
    const run = async (backend: "cpu" | "native") => {
      await initBackend({ backend, threads: 1 });
      const init = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
      const p = tf.variable(tf.tensor1d(init));
      const opt = new Adam(new Map([["p", p]]), { lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
      for (let t = 0; t < 3; t++) {
        const g = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => Math.cos(i * (t + 1))));
        opt.apply(new Map([["p", g]]));
        g.dispose();
      }
      const state = [...opt.stateTensors().values()].map((s) => s.dataSync() as Float32Array);
      const out = { p: p.dataSync() as Float32Array, m: state[0], v: state[1] };
      opt.dispose();
      p.dispose();
      return out;
    };
    const ref = await run("cpu"), got = await run("native");
    for (const k of ["p", "m", "v"] as const) {
      let d = 0, scale = 0;
      for (let i = 0; i < n; i++) {
        d = Math.max(d, Math.abs(got[k][i] - ref[k][i]));
        scale = Math.max(scale, Math.abs(ref[k][i]));
      }
      assert.ok(d <= 1e-6 * Math.max(1, scale), `${k}: max abs difference ${d}`);
    }
    // the parameters moved: the update ran
    assert.ok(Math.abs(got.p[1] - Math.sin(1)) > 1e-5);
  },
});
