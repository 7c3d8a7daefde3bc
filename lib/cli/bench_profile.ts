/**
 * `deno task bench --profile`: where a training step's time goes, per tfjs kernel on the wasm
 * backend (native kernels included: they are registered there), with the GFLOP each conv and
 * matmul kernel computes and its GFLOP/s. Every registered kernel is wrapped with a timer for the
 * run (nested kernel calls count toward the outermost one); the wall time per step minus the
 * kernels' is what runs outside them (custom ops such as Adam, the gradient tape, JS).
 *
 * FLOPs: 2 * N * OH * OW * Co * kh * kw * Ci for a conv and both its gradients, 2 * batch * M *
 * N * K for a matmul.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BenchKind, benchStep } from "./bench_step.ts";

/** One kernel's share of a step. */
export interface KernelProfileRow {
  /** tfjs kernel name. */
  kernel: string;
  /** Milliseconds per step. */
  msPerStep: number;
  /** Calls per step. */
  calls: number;
  /** GFLOP per step (0 for kernels that are not convs or matmuls). */
  gflopPerStep: number;
  /** Achieved GFLOP/s (0 when no FLOPs are counted). */
  gflops: number;
}

/** A profile of `steps` training steps. */
export interface StepProfile {
  /** Wall milliseconds per step. */
  wallMs: number;
  /** Milliseconds per step inside kernels. */
  kernelMs: number;
  /** Conv and matmul GFLOP per step. */
  gflopPerStep: number;
  /** Kernels, slowest first. */
  rows: KernelProfileRow[];
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

function strideOf(s: unknown): number {
  return Array.isArray(s) ? s[0] : Number(s);
}

/** FLOPs of one conv or matmul kernel call (0 for other kernels). */
export function kernelFlops(name: string, args: KernelArgs): number {
  const i = args.inputs as Record<string, tf.TensorInfo>;
  const a = args.attrs as Record<string, unknown>;
  if (name === "Conv2D") {
    const [kh, kw, ci, co] = i.filter.shape;
    const info = tf.backend_util.computeConv2DInfo(
      i.x.shape as [number, number, number, number],
      [kh, kw, ci, co],
      strideOf(a.strides),
      1,
      a.pad as "same",
    );
    const [n, oh, ow] = info.outShape;
    return 2 * n * oh * ow * co * kh * kw * ci;
  }
  if (name === "Conv2DBackpropInput" || name === "Conv2DBackpropFilter") {
    const [kh, kw, ci, co] = name === "Conv2DBackpropInput"
      ? i.filter.shape
      : a.filterShape as number[];
    const [n, oh, ow] = i.dy.shape;
    return 2 * n * oh * ow * co * kh * kw * ci;
  }
  if (name === "BatchMatMul" || name === "_FusedMatMul") {
    const A = i.a.shape, B = i.b.shape, ra = A.length, rb = B.length;
    const m = a.transposeA ? A[ra - 1] : A[ra - 2];
    const k = a.transposeA ? A[ra - 2] : A[ra - 1];
    const n = a.transposeB ? B[rb - 2] : B[rb - 1];
    const batch = Math.max(
      A.slice(0, -2).reduce((x, y) => x * y, 1),
      B.slice(0, -2).reduce((x, y) => x * y, 1),
    );
    return 2 * batch * m * n * k;
  }
  return 0;
}

/**
 * Profiles `steps` training steps of `kind` (its own batch size, after 3 warm-up steps) on the active
 * backend, which must be `wasm` (with or without the native engine). The kernels are
 * unwrapped again afterwards.
 */
export async function profileSteps(kind: BenchKind, steps: number): Promise<StepProfile> {
  if (tf.getBackend() !== "wasm") throw new Error("--profile needs the wasm or native backend");
  const totals = new Map<string, { ms: number; calls: number; flops: number }>();
  const originals = tf.getKernelsForBackend("wasm");
  let depth = 0;
  for (const k of originals) {
    const f = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, "wasm");
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        depth++;
        const t0 = performance.now();
        try {
          return f(args);
        } finally {
          depth--;
          if (depth === 0) {
            const e = totals.get(k.kernelName) ?? { ms: 0, calls: 0, flops: 0 };
            e.ms += performance.now() - t0;
            e.calls++;
            e.flops += kernelFlops(k.kernelName, args);
            totals.set(k.kernelName, e);
          }
        }
      },
    });
  }
  const step = benchStep(kind);
  try {
    for (let i = 0; i < 3; i++) await step.run(i);
    totals.clear();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step.run(3 + i);
    const wallMs = (performance.now() - t0) / steps;
    const rows = [...totals].map(([kernel, v]) => ({
      kernel,
      msPerStep: v.ms / steps,
      calls: v.calls / steps,
      gflopPerStep: v.flops / steps / 1e9,
      gflops: v.flops ? v.flops / v.ms / 1e6 : 0,
    })).sort((a, b) => b.msPerStep - a.msPerStep);
    return {
      wallMs,
      kernelMs: rows.reduce((a, r) => a + r.msPerStep, 0),
      gflopPerStep: rows.reduce((a, r) => a + r.gflopPerStep, 0),
      rows,
    };
  } finally {
    step.dispose();
    for (const k of originals) {
      tf.unregisterKernel(k.kernelName, "wasm");
      tf.registerKernel(k);
    }
  }
}

/** The profile as lines of text: a summary, then one line per kernel (the top `top`). */
export function formatProfile(kind: BenchKind, p: StepProfile, top = 10): string[] {
  const lines = [
    `${kind}: ${p.wallMs.toFixed(1)} ms/step, ${p.kernelMs.toFixed(1)} in kernels, ` +
    `${(p.wallMs - p.kernelMs).toFixed(1)} outside them; ${
      p.gflopPerStep.toFixed(2)
    } GFLOP/step (convs, matmuls)`,
    "| kernel | calls/step | ms/step | GFLOP/step | GFLOP/s |",
    "|---|---|---|---|---|",
  ];
  for (const r of p.rows.slice(0, top)) {
    lines.push(
      `| ${r.kernel} | ${r.calls} | ${r.msPerStep.toFixed(2)} | ${
        r.gflopPerStep ? r.gflopPerStep.toFixed(3) : "-"
      } | ${r.gflops ? r.gflops.toFixed(1) : "-"} |`,
    );
  }
  return lines;
}
