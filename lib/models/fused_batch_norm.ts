/**
 * BatchNorm (+ ReLU / LeakyReLU, + an optional channel-dropout mask) in training mode as one
 * operation with a hand-written gradient, computed in JavaScript over the tensors' memory, and
 * the same for LeakyReLU + channel dropout alone.
 *
 * Why: on the wasm backend tfjs's composite BatchNorm and its gradient run a dozen elementwise
 * kernels and channel reductions (Tile, Mean and Sum over non-inner axes, which transpose
 * first), about 0.8 s of a 3 s DCGAN step; LeakyReLU + dropout2d and their gradients are five
 * more elementwise kernels (LeakyRelu, Multiply, Greater, Select, Multiply). Two passes over the
 * data in JS cost a few milliseconds per layer on any backend. On wasm and cpu the passes read
 * the inputs' memory directly (a view of the wasm heap; cpu's own array) and the results are
 * written straight into fresh wasm-heap outputs, so nothing is copied in or out. Inputs are never
 * written: on wasm a weight changed in place would keep its stale XNNPACK-packed copy.
 *
 * Forward, per channel over n = size / c values: mean, biased variance (float64
 * accumulators), xhat = (x - mean) rstd, y = act(gamma xhat + beta) [* mask[example, channel]].
 * Backward: g = dy [* mask] act'(y) (act' from the sign of y: both activations keep it, and so
 * does a mask entry, which is 0 or > 1; 0 counts as negative, as tfjs's ReLU gradient), then
 * dbeta = sum g, dgamma = sum g xhat, dx = gamma rstd / n (n g - dbeta - xhat dgamma).
 * Products with the mask are rounded to float32 as tfjs's Multiply would, so the fused result is
 * the one of the separate kernels.
 *
 * On the native engine the same operation runs as oneDNN primitives (batch norm, the
 * activation, the mask product; `backend/native/batch_norm.ts`), vectorised and threaded, on the same
 * memory: the same formulas, with oneDNN's summation order (results agree to float32 rounding).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { activationBackward, activationForward } from "../backend/native/activation.ts";
import {
  batchNormBackward,
  batchNormForward,
  type BatchNormShape,
} from "../backend/native/batch_norm.ts";
import { ptrOf } from "../backend/native/dnnl.ts";
import { nativeEngine } from "../backend/native/engine.ts";
import { newTensor, valuesOf } from "./tensor_memory.ts";

/** The activation fused after a BatchNorm: none, ReLU, or LeakyReLU with its slope. */
export type BatchNormActivation = { kind: "none" } | { kind: "relu" } | {
  kind: "leakyRelu";
  alpha: number;
};

/** The output of {@link fusedBatchNormTrain}. */
export interface FusedBatchNormResult {
  /** act(BN(x)) [* mask], same shape as x; on the gradient tape. */
  y: tf.Tensor;
  /** Batch mean per channel. */
  mean: Float32Array;
  /** Biased batch variance per channel. */
  variance: Float32Array;
}

const scratchBySize = new Map<number, Float32Array>();

/** A reused buffer of `size` floats for the native backward pass's intermediate gradient. */
function nativeScratch(size: number): Float32Array {
  let buf = scratchBySize.get(size);
  if (!buf) scratchBySize.set(size, buf = new Float32Array(size));
  return buf;
}

/** Rows per mask row: values per (example, channel) pair, or all rows without a mask. */
function maskRows(x: tf.Tensor, c: number, mask: Float32Array | undefined): number {
  const n = x.size / c;
  if (!mask) return n;
  const batch = x.shape[0];
  if (x.shape.length < 2 || mask.length !== batch * c) {
    throw new Error(`dropout mask of ${mask.length} values does not fit [${x.shape}]`);
  }
  return n / batch;
}

/**
 * Normalises `x` (channels last) with its batch statistics, applies `gamma`, `beta` and
 * `act`, multiplies by `mask` when given (one value per example and channel, `[batch * c]`,
 * as channel dropout draws it), and records a gradient for x, gamma and beta.
 */
export function fusedBatchNormTrain(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
  act: BatchNormActivation,
  mask?: Float32Array,
): FusedBatchNormResult {
  const c = x.shape[x.shape.length - 1];
  const n = x.size / c;
  const rowsPerMask = maskRows(x, c, mask);
  const slope = act.kind === "leakyRelu" ? act.alpha : act.kind === "relu" ? 0 : 1;
  const mean = new Float32Array(c), variance = new Float32Array(c), rstd = new Float32Array(c);
  const dnnl = tf.getBackend() === "wasm" ? nativeEngine() : null;
  if (dnnl) {
    const batch = mask ? x.shape[0] : 1;
    const shape: BatchNormShape = { batch, spatial: n / batch, c };
    const negSlope = act.kind === "none" ? null : slope;
    const op = tf.customGrad(
      // deno-lint-ignore no-explicit-any
      ((xIn: tf.Tensor, gIn: tf.Tensor, bIn: tf.Tensor, save: any) => {
        const value = newTensor(xIn.shape, (out) => {
          batchNormForward(dnnl, shape, eps, negSlope, {
            x: ptrOf(valuesOf(xIn)),
            gamma: ptrOf(valuesOf(gIn)),
            beta: ptrOf(valuesOf(bIn)),
            y: ptrOf(out),
            mean: ptrOf(mean),
            variance: ptrOf(variance),
            mask: mask ? ptrOf(mask) : null,
          });
        });
        save([xIn, value, gIn, bIn]);
        return {
          value,
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
            const [xSaved, ySaved, gSaved, bSaved] = saved;
            const dgamma = new Float32Array(c), dbeta = new Float32Array(c);
            const dx = newTensor(xIn.shape, (g) => {
              batchNormBackward(dnnl, shape, eps, negSlope, {
                x: ptrOf(valuesOf(xSaved)),
                y: ptrOf(valuesOf(ySaved)),
                mean: ptrOf(mean),
                variance: ptrOf(variance),
                gamma: ptrOf(valuesOf(gSaved)),
                beta: ptrOf(valuesOf(bSaved)),
                mask: mask ? ptrOf(mask) : null,
                dy: ptrOf(valuesOf(dy)),
                dx: ptrOf(g),
                dgamma: ptrOf(dgamma),
                dbeta: ptrOf(dbeta),
              }, ptrOf(nativeScratch(x.size)));
            });
            return [dx, tf.tensor(dgamma, [c]), tf.tensor(dbeta, [c])];
          },
        };
        // deno-lint-ignore no-explicit-any
      }) as any,
    );
    const y = op(x, gamma, beta) as tf.Tensor;
    return { y, mean, variance };
  }

  const op = tf.customGrad(
    // deno-lint-ignore no-explicit-any
    ((xIn: tf.Tensor, gIn: tf.Tensor, bIn: tf.Tensor, save: any) => {
      const gs = Float32Array.from(valuesOf(gIn));
      const bs = valuesOf(bIn);
      const xs0 = valuesOf(xIn);
      const sum = new Float64Array(c), sq = new Float64Array(c);
      for (let i = 0; i < n; i++) {
        const o = i * c;
        for (let j = 0; j < c; j++) {
          const v = xs0[o + j];
          sum[j] += v;
          sq[j] += v * v;
        }
      }
      const scale = new Float32Array(c), shift = new Float32Array(c);
      for (let j = 0; j < c; j++) {
        const m = sum[j] / n;
        const v = Math.max(0, sq[j] / n - m * m);
        mean[j] = m;
        variance[j] = v;
        rstd[j] = 1 / Math.sqrt(v + eps);
        scale[j] = gs[j] * rstd[j];
        shift[j] = bs[j] - m * scale[j];
      }
      const value = newTensor(xIn.shape, (out) => {
        const xs = valuesOf(xIn);
        const pre = mask ? new Float32Array(c) : out;
        for (let i = 0; i < n; i++) {
          const o = i * c;
          if (mask) {
            // act(BN) rounded to float32, then the mask product (rounded on store)
            const mo = Math.floor(i / rowsPerMask) * c;
            for (let j = 0; j < c; j++) {
              const v = xs[o + j] * scale[j] + shift[j];
              pre[j] = v >= 0 ? v : v * slope;
              out[o + j] = pre[j] * mask[mo + j];
            }
          } else {
            for (let j = 0; j < c; j++) {
              const v = xs[o + j] * scale[j] + shift[j];
              out[o + j] = v >= 0 ? v : v * slope;
            }
          }
        }
      });
      save([xIn, value]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xSaved, ySaved] = saved;
          const dbeta = new Float64Array(c), dgamma = new Float64Array(c);
          const dx = newTensor(xIn.shape, (g) => {
            const d = valuesOf(dy), xv = valuesOf(xSaved), yv = valuesOf(ySaved);
            for (let i = 0; i < n; i++) {
              const o = i * c;
              const mo = mask ? Math.floor(i / rowsPerMask) * c : 0;
              for (let j = 0; j < c; j++) {
                const dj = mask ? Math.fround(d[o + j] * mask[mo + j]) : d[o + j];
                const gi = yv[o + j] > 0 ? dj : dj * slope;
                g[o + j] = gi;
                dbeta[j] += gi;
                dgamma[j] += gi * (xv[o + j] - mean[j]) * rstd[j];
              }
            }
            const k = new Float32Array(c);
            for (let j = 0; j < c; j++) k[j] = (gs[j] * rstd[j]) / n;
            for (let i = 0; i < n; i++) {
              const o = i * c;
              for (let j = 0; j < c; j++) {
                const xhat = (xv[o + j] - mean[j]) * rstd[j];
                g[o + j] = k[j] * (n * g[o + j] - dbeta[j] - xhat * dgamma[j]);
              }
            }
          });
          return [
            dx,
            tf.tensor(Float32Array.from(dgamma), [c]),
            tf.tensor(Float32Array.from(dbeta), [c]),
          ];
        },
      };
      // deno-lint-ignore no-explicit-any
    }) as any,
  );
  const y = op(x, gamma, beta) as tf.Tensor;
  return { y, mean, variance };
}

/**
 * `leakyRelu(x, alpha) * mask` for channels-last `x` with one mask value per example and
 * channel (`[batch * c]`, as channel dropout draws it) or one number for every value (a gain,
 * as StyleGAN's sqrt(2)), as one operation with its gradient
 * dx = dy * mask * (x > 0 ? 1 : alpha). Same float32 results as tfjs's LeakyRelu and Multiply.
 */
export function fusedLeakyReluMask(
  x: tf.Tensor,
  alpha: number,
  maskOrGain: Float32Array | number,
): tf.Tensor {
  const c = x.shape[x.shape.length - 1];
  const n = x.size / c;
  const gain = typeof maskOrGain === "number";
  const rowsPerMask = gain ? n : maskRows(x, c, maskOrGain);
  const a = Math.fround(alpha); // tfjs kernels take alpha as float32
  const dnnl = tf.getBackend() === "wasm" ? nativeEngine() : null;
  if (dnnl) {
    // oneDNN's eltwise and binary primitives, the gradient from the output (activation.ts)
    const shape = { batch: gain ? 1 : x.shape[0], spatial: rowsPerMask, c };
    // the mask's address taken at each call, from the array the closures keep alive
    const scale = () => gain ? { gain: maskOrGain } : { mask: ptrOf(maskOrGain) };
    const op = tf.customGrad(
      // deno-lint-ignore no-explicit-any
      ((xIn: tf.Tensor, save: any) => {
        const value = newTensor(xIn.shape, (out) => {
          activationForward(dnnl, shape, a, scale(), ptrOf(valuesOf(xIn)), ptrOf(out));
          dnnl.wait();
        });
        save([value]);
        return {
          value,
          gradFunc: (dy: tf.Tensor, [y]: tf.Tensor[]) => [
            newTensor(xIn.shape, (g) => {
              const b = { y: ptrOf(valuesOf(y)), dy: ptrOf(valuesOf(dy)), dx: ptrOf(g) };
              activationBackward(dnnl, shape, a, scale(), b);
              dnnl.wait();
            }),
          ],
        };
        // deno-lint-ignore no-explicit-any
      }) as any,
    );
    return op(x) as tf.Tensor;
  }
  // a gain is a mask of one row that every row of x uses
  const mask = gain ? new Float32Array(c).fill(maskOrGain) : maskOrGain;
  const op = tf.customGrad(
    // deno-lint-ignore no-explicit-any
    ((xIn: tf.Tensor, save: any) => {
      const value = newTensor(xIn.shape, (out) => {
        const xs = valuesOf(xIn);
        for (let i = 0; i < n; i++) {
          const o = i * c, mo = Math.floor(i / rowsPerMask) * c;
          for (let j = 0; j < c; j++) {
            const v = xs[o + j];
            out[o + j] = (v < 0 ? Math.fround(v * a) : v) * mask[mo + j];
          }
        }
      });
      save([xIn]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
          newTensor(xIn.shape, (g) => {
            const d = valuesOf(dy), xs = valuesOf(saved[0]);
            for (let i = 0; i < n; i++) {
              const o = i * c, mo = Math.floor(i / rowsPerMask) * c;
              for (let j = 0; j < c; j++) {
                const gj = Math.fround(d[o + j] * mask[mo + j]);
                g[o + j] = xs[o + j] > 0 ? gj : gj * a;
              }
            }
          }),
        ],
      };
      // deno-lint-ignore no-explicit-any
    }) as any,
  );
  return op(x) as tf.Tensor;
}
