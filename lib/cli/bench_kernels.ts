/**
 * `deno task bench --kernels`: GFLOP/s of every conv and matmul shape of the MLP GAN and the
 * DCGAN (batch 64): stock tfjs-backend-wasm kernels, this project's training-kernel pack, and
 * the native engine's (oneDNN) when it runs (`--backend native` or auto), as markdown tables
 * (median of several runs after a warm-up).
 *
 * FLOPs counted: 2 * N * OH * OW * Co * kh * kw * Ci for conv2d and both of its gradients
 * (same arithmetic), 2 * M * K * N for matmuls.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendWasm, getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { CONV_CASES } from "../backend/wasm/conv_cases.ts";
import { type MatMulStrategy, setMatMulStrategy } from "../backend/wasm/batch_mat_mul.ts";
import { stockKernel } from "../backend/wasm/wasm_util.ts";
import { replacedKernel } from "../backend/native/kernels.ts";

/**
 * Prints the kernel tables through `log`. The wasm backend with the pack must be active.
 *
 * @param quick fewer repetitions (3 instead of up to 9).
 */
export async function runKernelBench(log: (line: string) => void, quick = false): Promise<void> {
  if (tf.getBackend() !== "wasm") {
    throw new Error("--kernels needs the wasm backend (--backend wasm)");
  }
  const backend = tf.engine().backend as unknown as BackendWasm;
  const console = { log };
  function rand(shape: number[]): tf.Tensor {
    return tf.randomUniform(shape, -1, 1, "float32");
  }

  /** Median ms of `fn` (warm-up 1, then >= 3 runs, up to ~1.5 s or 9 runs). */
  function timeMs(fn: () => tf.TensorInfo): number {
    const once = () => {
      const t0 = performance.now();
      const out = fn();
      const ms = performance.now() - t0;
      backend.disposeData(out.dataId);
      return ms;
    };
    once();
    const times: number[] = [];
    let total = 0;
    while (
      times.length < 3 ||
      (times.length < (quick ? 3 : 9) && total < 1500)
    ) {
      const ms = once();
      times.push(ms);
      total += ms;
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  }

  /** The kernel of one engine; null for native when it does not run. */
  function kernelOf(name: string, engine: "stock" | "pack" | "native"): tf.KernelFunc | null {
    if (engine === "stock") return stockKernel(name);
    const replaced = replacedKernel(name);
    if (engine === "pack") return replaced ?? tf.getKernel(name, "wasm")!.kernelFunc;
    return replaced ? tf.getKernel(name, "wasm")!.kernelFunc : null;
  }
  function kernel(name: string, stock: boolean): tf.KernelFunc {
    return kernelOf(name, stock ? "stock" : "pack")!;
  }
  const haveNative = replacedKernel("Conv2D") !== null;
  /** GFLOP/s of the native kernel `name` on `args`, or "-" when native does not run. */
  function nativeGf(name: string, args: Parameters<tf.KernelFunc>[0], flops: number): string {
    const f = kernelOf(name, "native");
    return f ? gf(flops, timeMs(() => f(args) as tf.TensorInfo)) : "-";
  }

  function gf(flops: number, ms: number): string {
    return (flops / ms / 1e6).toFixed(1);
  }

  console.log(
    `wasm threads: ${getThreadsCount()}, simd: ${await tf.env().getAsync(
      "WASM_HAS_SIMD_SUPPORT",
    )}\n`,
  );

  console.log(`native engine: ${haveNative ? "on" : "off (its columns show -)"}\n`);
  console.log("## Convolutions (batch 64), GFLOP/s\n");
  console.log(
    "| layer | fwd Conv2D (stock) | fwd native | BackpropFilter stock | BackpropFilter pack | BackpropFilter native | BackpropInput stock | BackpropInput pack | BackpropInput native |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const c of CONV_CASES.filter((c) => c.gan)) {
    const info = tf.backend_util.computeConv2DInfo(
      c.x,
      c.f,
      c.s,
      1,
      c.pad as "same",
    );
    const [n, oh, ow, co] = info.outShape;
    const flops = 2 * n * oh * ow * co * c.f[0] * c.f[1] * c.f[2];
    const x = rand(c.x);
    const f = rand(c.f);
    const dy = rand(info.outShape);
    const attrsF = {
      strides: c.s,
      pad: c.pad,
      dataFormat: "NHWC",
      filterShape: c.f,
    } as unknown as tf.NamedAttrMap;
    const attrsI = {
      strides: c.s,
      pad: c.pad,
      dataFormat: "NHWC",
      inputShape: c.x,
    } as unknown as tf.NamedAttrMap;
    const fwdAttrs = {
      strides: c.s,
      pad: c.pad,
      dataFormat: "NHWC",
      dilations: 1,
    } as unknown as tf.NamedAttrMap;
    const fwdNative = nativeGf(
      "Conv2D",
      { inputs: { x, filter: f }, backend, attrs: fwdAttrs },
      flops,
    );
    const bfNative = nativeGf(
      "Conv2DBackpropFilter",
      { inputs: { x, dy }, backend, attrs: attrsF },
      flops,
    );
    const biNative = nativeGf(
      "Conv2DBackpropInput",
      { inputs: { dy, filter: f }, backend, attrs: attrsI },
      flops,
    );
    const fwd = timeMs(() =>
      kernel("Conv2D", false)({
        inputs: { x, filter: f },
        backend,
        attrs: {
          strides: c.s,
          pad: c.pad,
          dataFormat: "NHWC",
          dilations: 1,
        } as unknown as tf.NamedAttrMap,
      }) as tf.TensorInfo
    );
    const bfPack = timeMs(() =>
      kernel("Conv2DBackpropFilter", false)({
        inputs: { x, dy },
        backend,
        attrs: attrsF,
      }) as tf.TensorInfo
    );
    const biPack = timeMs(() =>
      kernel("Conv2DBackpropInput", false)({
        inputs: { dy, filter: f },
        backend,
        attrs: attrsI,
      }) as tf.TensorInfo
    );
    const biStock = timeMs(() =>
      kernel("Conv2DBackpropInput", true)({
        inputs: { dy, filter: f },
        backend,
        attrs: attrsI,
      }) as tf.TensorInfo
    );
    console.log(
      `| ${c.name} | ${gf(flops, fwd)} | ${fwdNative} | n/a (not registered) | ${
        gf(flops, bfPack)
      } | ${bfNative} | ${gf(flops, biStock)} | ${gf(flops, biPack)} | ${biNative} |`,
    );
    tf.dispose([x, f, dy]);
  }

  console.log("\n## MLP matmuls (batch 64), GFLOP/s\n");
  console.log(
    "| layer | op | stock BatchMatMul | pack (auto) | pack materialize | pack C^T=B^T A^T | native |",
  );
  console.log("|---|---|---|---|---|---|---|");
  const dims = [
    [100, 256],
    [256, 512],
    [512, 1024],
    [1024, 784],
    [784, 1024],
    [1024, 512],
    [512, 256],
    [256, 1],
  ];
  for (const [din, dout] of dims) {
    const m = 64;
    const x = rand([m, din]);
    const w = rand([din, dout]);
    const dy = rand([m, dout]);
    const ops: [string, tf.Tensor, tf.Tensor, boolean, boolean, number][] = [
      ["fwd x@W", x, w, false, false, 2 * m * din * dout],
      ["dx = dy@W^T", dy, w, false, true, 2 * m * din * dout],
      ["dW = x^T@dy", x, dy, true, false, 2 * m * din * dout],
    ];
    for (const [label, a, b, ta, tb, flops] of ops) {
      const run = (stock: boolean) => () =>
        kernel("BatchMatMul", stock)({
          inputs: { a, b },
          backend,
          attrs: { transposeA: ta, transposeB: tb },
        }) as tf.TensorInfo;
      const stockMs = timeMs(run(true));
      const res: Record<MatMulStrategy, number> = {
        auto: 0,
        materialize: 0,
        transposedProduct: 0,
      };
      for (const s of ["auto", "materialize", "transposedProduct"] as const) {
        setMatMulStrategy(s);
        res[s] = timeMs(run(false));
      }
      setMatMulStrategy("auto");
      const transposed = ta || tb;
      const native = nativeGf("BatchMatMul", {
        inputs: { a, b },
        backend,
        attrs: { transposeA: ta, transposeB: tb },
      }, flops);
      console.log(
        `| ${din}->${dout} | ${label} | ${gf(flops, stockMs)} | ${gf(flops, res.auto)} | ${
          transposed ? gf(flops, res.materialize) : "-"
        } | ${transposed ? gf(flops, res.transposedProduct) : "-"} | ${native} |`,
      );
    }
    // _FusedMatMul: forward with bias + relu, and a transposed variant.
    const bias = rand([dout]);
    for (
      const [label, a, b, ta, tb] of [
        ["fused fwd x@W+b, relu", x, w, false, false],
        ["fused dy@W^T (+bias, leakyrelu)", dy, w, false, true],
      ] as [string, tf.Tensor, tf.Tensor, boolean, boolean][]
    ) {
      const bb = tb ? rand([din]) : bias;
      const act = tb ? "leakyrelu" : "relu";
      const a3 = tf.reshape(a, [1, ...a.shape]);
      const b3 = tf.reshape(b, [1, ...b.shape]);
      const run = (stock: boolean) => () =>
        kernel("_FusedMatMul", stock)({
          inputs: { a: a3, b: b3, bias: bb },
          backend,
          attrs: {
            transposeA: ta,
            transposeB: tb,
            activation: act,
            leakyreluAlpha: 0.2,
          },
        }) as tf.TensorInfo;
      const flops = 2 * m * din * dout;
      const s = timeMs(run(true));
      const p = timeMs(run(false));
      const native = nativeGf("_FusedMatMul", {
        inputs: { a: a3, b: b3, bias: bb },
        backend,
        attrs: { transposeA: ta, transposeB: tb, activation: act, leakyreluAlpha: 0.2 },
      }, flops);
      console.log(
        `| ${din}->${dout} | ${label} | ${gf(flops, s)} | ${gf(flops, p)} | - | - | ${native} |`,
      );
      if (bb !== bias) bb.dispose();
      tf.dispose([a3, b3]);
    }
    tf.dispose([x, w, dy, bias]);
  }
  console.log(`\nleftover tensors: ${tf.memory().numTensors}`);
}
