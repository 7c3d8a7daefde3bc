/**
 * Test helpers: wasm initialisation, cpu references, leak checks.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/init_backend.ts";

export { tf };

/** Which engine the kernel suites test: the wasm pack, or the native engine over it. */
export type KernelEngine = "wasm" | "native";

let engine: KernelEngine = "wasm";

/**
 * Makes the kernel suites imported after this call test `name` (the native suites set
 * "native", then import the wasm suites dynamically, so the same cases run on both).
 */
export function useKernelEngine(name: KernelEngine): void {
  engine = name;
}

/** The engine under test (for test names). */
export function kernelEngine(): KernelEngine {
  return engine;
}

/**
 * Sets the backend of the engine under test up (through the project's own initBackend): wasm
 * with the pack, or the native engine over it at fp32.
 */
export async function initWasm(): Promise<void> {
  // float32: these suites compare with the cpu backend at float32 tolerances (the bf16
  // kernels have their own bounds: native/precision_test.ts)
  await initBackend({ backend: engine, precision: "fp32" });
}

/** Deterministic pseudo-random float32 data in [-1, 1). */
export function randomData(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

/** Runs `fn` on the cpu backend and returns its result as plain data. */
export async function onCpu(
  fn: () => tf.Tensor,
): Promise<{ data: Float32Array; shape: number[] }> {
  const prev = tf.getBackend();
  await tf.setBackend("cpu");
  try {
    const t = tf.tidy(fn);
    const data = t.dataSync() as Float32Array;
    const shape = t.shape;
    t.dispose();
    return { data, shape };
  } finally {
    await tf.setBackend(prev);
  }
}

/** Max abs error and the reference scale (max abs value, at least 1). */
export function maxAbsErr(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): { err: number; scale: number } {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} != ${expected.length}`);
  }
  let err = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  if (Number.isNaN(err)) err = Infinity;
  return { err, scale };
}

/** Relative tolerance used by all kernel tests: max|err| <= TOL * max(1, max|ref|). */
export const TOL = 1e-4;

/** Snapshot of engine + wasm backend memory counters used for leak checks. */
export function memorySnapshot(): {
  numTensors: number;
  numBytes: number;
  numDataIds: number;
} {
  const m = tf.memory();
  return {
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    numDataIds: tf.engine().backend.numDataIds(),
  };
}

/** Conv2DBackpropFilter through the engine (tfjs has no public op for it). */
export function conv2dBackpropFilterOp(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: "same" | "valid" | number | number[][],
  dataFormat: "NHWC" | "NCHW" = "NHWC",
  dimRoundingMode?: "floor" | "round" | "ceil",
): tf.Tensor4D {
  const attrs: Record<string, unknown> = {
    strides,
    pad,
    dataFormat,
    filterShape,
  };
  if (dimRoundingMode != null) attrs.dimRoundingMode = dimRoundingMode;
  return tf.engine().runKernel(
    "Conv2DBackpropFilter",
    { x, dy },
    attrs as unknown as tf.NamedAttrMap,
  ) as tf.Tensor4D;
}

/** Conv2DBackpropInput through the engine (allows NCHW and any pads). */
export function conv2dBackpropInputOp(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: number | [number, number],
  pad: "same" | "valid" | number | number[][],
  dataFormat: "NHWC" | "NCHW" = "NHWC",
  dimRoundingMode?: "floor" | "round" | "ceil",
): tf.Tensor4D {
  const attrs: Record<string, unknown> = {
    strides,
    pad,
    dataFormat,
    inputShape,
  };
  if (dimRoundingMode != null) attrs.dimRoundingMode = dimRoundingMode;
  return tf.engine().runKernel(
    "Conv2DBackpropInput",
    { dy, filter },
    attrs as unknown as tf.NamedAttrMap,
  ) as tf.Tensor4D;
}
