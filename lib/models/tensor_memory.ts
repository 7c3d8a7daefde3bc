/**
 * Direct access to a float32 tensor's memory on the CPU backends, for the fused operations
 * written in JavaScript (`fused_batch_norm.ts`, `instance_norm.ts`): on wasm a view of the heap
 * (nothing copied in or out), on cpu its own array.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Backend internals for direct memory access (wasm and cpu backends). */
interface MemoryBackend {
  typedArrayFromHeap?(info: tf.TensorInfo): Float32Array;
  makeOutput?(shape: number[], dtype: "float32"): tf.TensorInfo;
}

/**
 * The float32 values of `t`, read-only: a view of the wasm heap on wasm (fetch it after any
 * allocation: views detach when the heap grows), else `dataSync()` (cpu's own array).
 */
export function valuesOf(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as unknown as MemoryBackend;
  if (tf.getBackend() === "wasm" && backend.typedArrayFromHeap && t.dtype === "float32") {
    return backend.typedArrayFromHeap(t);
  }
  return t.dataSync() as Float32Array;
}

/**
 * A new float32 tensor of `shape` whose values `fill` writes into `out` (on wasm straight into
 * the heap). `fill` must fetch its input views itself, after the allocation.
 */
export function newTensor(shape: number[], fill: (out: Float32Array) => void): tf.Tensor {
  const backend = tf.backend() as unknown as MemoryBackend;
  if (tf.getBackend() === "wasm" && backend.makeOutput && backend.typedArrayFromHeap) {
    const info = backend.makeOutput(shape, "float32");
    const t = tf.engine().makeTensorFromTensorInfo(info);
    fill(backend.typedArrayFromHeap(info));
    return t;
  }
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  fill(out);
  return tf.tensor(out, shape);
}
