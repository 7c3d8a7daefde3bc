/**
 * Spectral normalisation of a weight (Miyato et al. 2018, PyTorch `spectral_norm`): the layer
 * uses W / σ(W), σ the largest singular value, estimated by one step of power iteration per
 * training forward pass with a persistent vector `u` (a buffer, saved in checkpoints).
 *
 * The weight is viewed as a matrix `[rows, out]` (`[in, out]` for a linear layer,
 * `[k * k * in, out]` for a conv filter); `u` has `out` entries. As in PyTorch, `u` and `v`
 * are constants for the gradient: only W / (vᵀ W u) is differentiated.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { onDevice } from "../backend/device_memory.ts";
import { readTidy } from "../backend/read_tidy.ts";
import { deriveSeed, Rng } from "../random.ts";
import type { ForwardContext, ParamStore } from "./layers.ts";

/** Guards the normalisations against a zero vector (PyTorch's eps). */
const EPS = 1e-12;

function normalised(values: Float32Array): Float32Array {
  let s = 0;
  for (const v of values) s += v * v;
  const n = Math.max(Math.sqrt(s), EPS);
  return values.map((v) => v / n);
}

/**
 * Adds the power-iteration buffer `${name}.sn_u` for a weight with `out` output units: a unit
 * vector drawn from its own seeded stream (the model's init stream is left as it was).
 */
export function spectralNormVector(store: ParamStore, name: string, out: number): tf.Variable {
  const u = normalised(
    new Rng(deriveSeed(0, "spectral-norm", name)).fillNormal(new Float32Array(out)),
  );
  return store.buffer(`${name}.sn_u`, tf.tensor1d(u));
}

/**
 * `w / σ(w)`. In training mode (unless `ctx.updateStats` is false) first advances `u` by one
 * power-iteration step: v = W u / |W u|, u = Wᵀ v / |Wᵀ v|.
 */
export function spectralNormalise(w: tf.Tensor, u: tf.Variable, ctx: ForwardContext): tf.Tensor {
  if (onDevice()) return spectralNormaliseOnDevice(w, u, ctx);
  const out = w.shape[w.shape.length - 1];
  const wm = tf.reshape(w, [-1, out]); //                                           [rows, out]
  const vOf = (uu: tf.Tensor) =>
    normalised(readTidy(() => tf.matMul(wm, tf.reshape(uu, [out, 1]))));
  let uNow: tf.Tensor = u;
  if (ctx.training && ctx.updateStats !== false) {
    const v = tf.tensor2d(vOf(u), [1, wm.shape[0]]);
    const next = normalised(readTidy(() => tf.matMul(v, wm)));
    v.dispose();
    tf.tidy(() => u.assign(tf.tensor1d(next)));
    uNow = u;
  }
  const v = tf.tensor2d(vOf(uNow), [1, wm.shape[0]]); // a constant: no gradient through it
  const sigma = tf.sum(tf.mul(tf.matMul(v, wm), tf.reshape(uNow, [1, out]))); // vᵀ W u
  return tf.div(w, sigma);
}

/** The identity with no gradient (tfjs has no `stopGradient`): a constant for the tape. */
const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor),
})) as (x: tf.Tensor) => tf.Tensor;

/** Unit vector along `t`'s values, in tensor ops (no read back). */
function unitTensor(t: tf.Tensor): tf.Tensor {
  return tf.div(t, tf.maximum(tf.norm(t), EPS));
}

/**
 * {@link spectralNormalise} in tensor operations only, for backends in device memory (no read
 * back per layer): the same power-iteration step, with u and v as constants of the gradient.
 */
function spectralNormaliseOnDevice(w: tf.Tensor, u: tf.Variable, ctx: ForwardContext): tf.Tensor {
  const out = w.shape[w.shape.length - 1];
  const wm = tf.reshape(w, [-1, out]); //                                           [rows, out]
  const vOf = (uu: tf.Tensor) =>
    stopGradient(unitTensor(tf.reshape(tf.matMul(wm, tf.reshape(uu, [out, 1])), [1, -1])));
  if (ctx.training && ctx.updateStats !== false) {
    tf.tidy(() => u.assign(tf.reshape(unitTensor(tf.matMul(vOf(u), wm)), [out])));
  }
  const v = vOf(u); //                                                              [1, rows]
  const sigma = tf.sum(tf.mul(tf.matMul(v, wm), tf.reshape(stopGradient(u), [1, out])));
  return tf.div(w, sigma);
}
