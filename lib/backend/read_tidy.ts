/**
 * Reading a tensor computed inside `tf.tidy` without paying for tidy's result walk.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Runs `fn` inside `tf.tidy`, downloads the one tensor it returns, disposes it and returns the
 * values.
 *
 * Why not `tf.tidy(() => t.dataSync())`: tidy walks whatever its function returns, key by key,
 * to find tensors to keep, so returning a typed array costs one step per element. Measured on
 * a 512 x 10,000 distance block (wasm): 5.5 s that way, 0.1 s this way.
 */
export function readTidy(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}
