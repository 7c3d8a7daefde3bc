/**
 * Whether the active backend keeps tensors in device memory (a GPU's), where reading one back
 * to the CPU waits for the device: the training code then stays in tensor operations (no
 * per-layer reads of batch statistics or power-iteration vectors, no JavaScript passes over a
 * tensor's memory) and reads back only the losses of each step.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Backends whose tensors live in device memory. */
const DEVICE_BACKENDS = new Set(["webgpu", "webgl"]);

/** True when the active backend computes in device memory (`webgpu`, `webgl`). */
export function onDevice(): boolean {
  return DEVICE_BACKENDS.has(tf.getBackend());
}
