/**
 * Instance normalisation (Ulyanov et al. 2016) of NHWC images, optionally followed by ReLU:
 * each image's channels are normalised over that image's pixels, without learned scale or shift
 * (PyTorch's `InstanceNorm2d` default, CycleGAN's norm).
 *
 * On the CPU backends it is one operation with a hand-written gradient, two passes over the data
 * in JavaScript each way, reading and writing the tensors' memory directly
 * (`tensor_memory.ts`). Composed of tfjs ops (moments, subtract, divide, ReLU and their
 * gradients) it is a dozen elementwise kernels and reductions over non-inner axes, which on wasm
 * transpose first: about a third of a CycleGAN step. On a GPU backend (data on the device) it
 * stays composed of tfjs ops.
 *
 * Forward, per image and channel over its n = h w pixels: mean, biased variance (float64
 * accumulators), xhat = (x - mean) rstd with rstd = 1 / sqrt(var + eps), y = xhat or
 * max(xhat, 0). Backward: g = dy (times y > 0 after a ReLU, whose gradient at 0 is 0 as tfjs's),
 * dx = rstd (g - mean(g) - xhat mean(g xhat)), the means over the image's pixels.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { onDevice } from "../backend/device_memory.ts";
import { newTensor, valuesOf } from "./tensor_memory.ts";

/** Options of {@link instanceNorm}. */
export interface InstanceNormOptions {
  /** Added to the variance. Default 1e-5 (PyTorch's). */
  eps?: number;
  /** Apply ReLU after normalising. Default false. */
  relu?: boolean;
  /**
   * Run the fused operation (true) or tfjs ops (false). Default: fused unless the data lives
   * on a GPU.
   */
  fused?: boolean;
}

/**
 * Instance normalisation of NHWC `x` over each image's pixels, then ReLU if asked.
 *
 * @example
 * ```ts
 * const y = instanceNorm(conv2d(x, w, 1, 1), { relu: true }); // [b, h, w, c], each image's
 * // channels at mean 0, variance 1 before the ReLU
 * ```
 */
export function instanceNorm(x: tf.Tensor4D, options: InstanceNormOptions = {}): tf.Tensor4D {
  const eps = options.eps ?? 1e-5;
  const relu = options.relu ?? false;
  if (!(options.fused ?? !onDevice())) {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, [1, 2], true);
      const y = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))) as tf.Tensor4D;
      return relu ? tf.relu(y) : y;
    });
  }
  return fusedInstanceNorm(x, eps, relu);
}

function fusedInstanceNorm(x: tf.Tensor4D, eps: number, relu: boolean): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const n = h * w;
  const mean = new Float32Array(b * c), rstd = new Float32Array(b * c);
  const op = tf.customGrad(
    // deno-lint-ignore no-explicit-any
    ((xIn: tf.Tensor, save: any) => {
      const xs0 = valuesOf(xIn);
      const sum = new Float64Array(c), sq = new Float64Array(c);
      for (let i = 0; i < b; i++) {
        sum.fill(0);
        sq.fill(0);
        for (let p = 0, o = i * n * c; p < n; p++, o += c) {
          for (let j = 0; j < c; j++) {
            const v = xs0[o + j];
            sum[j] += v;
            sq[j] += v * v;
          }
        }
        for (let j = 0; j < c; j++) {
          const m = sum[j] / n;
          mean[i * c + j] = m;
          rstd[i * c + j] = 1 / Math.sqrt(Math.max(0, sq[j] / n - m * m) + eps);
        }
      }
      const value = newTensor(xIn.shape, (out) => {
        const xs = valuesOf(xIn);
        for (let i = 0; i < b; i++) {
          const k = i * c;
          for (let p = 0, o = i * n * c; p < n; p++, o += c) {
            for (let j = 0; j < c; j++) {
              const y = (xs[o + j] - mean[k + j]) * rstd[k + j];
              out[o + j] = relu && y < 0 ? 0 : y;
            }
          }
        }
      });
      save(relu ? [xIn, value] : [xIn]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
          newTensor(xIn.shape, (g) => {
            const d = valuesOf(dy), xs = valuesOf(saved[0]);
            const ys = relu ? valuesOf(saved[1]) : null;
            const sg = new Float64Array(c), sgx = new Float64Array(c);
            for (let i = 0; i < b; i++) {
              const k = i * c, start = i * n * c;
              sg.fill(0);
              sgx.fill(0);
              for (let p = 0, o = start; p < n; p++, o += c) {
                for (let j = 0; j < c; j++) {
                  const gj = ys && !(ys[o + j] > 0) ? 0 : d[o + j];
                  g[o + j] = gj;
                  sg[j] += gj;
                  sgx[j] += gj * (xs[o + j] - mean[k + j]) * rstd[k + j];
                }
              }
              for (let j = 0; j < c; j++) {
                sg[j] /= n;
                sgx[j] /= n;
              }
              for (let p = 0, o = start; p < n; p++, o += c) {
                for (let j = 0; j < c; j++) {
                  const xhat = (xs[o + j] - mean[k + j]) * rstd[k + j];
                  g[o + j] = rstd[k + j] * (g[o + j] - sg[j] - xhat * sgx[j]);
                }
              }
            }
          }),
        ],
      };
      // deno-lint-ignore no-explicit-any
    }) as any,
  );
  return op(x) as tf.Tensor4D;
}
