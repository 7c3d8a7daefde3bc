/**
 * Adam's update in place on the memory of the wasm and cpu backends: the moments are updated
 * where they lie and the parameter gets its new values in one pass, instead of about ten
 * elementwise kernels each allocating a tensor (about 35 ms less per MLP GAN step on wasm).
 * On the native engine, tensors of 4,096 values and more take four vectorised, threaded oneDNN
 * passes (`native/adam_kernel.ts`) instead of the JavaScript loop, whose sqrt and division per
 * value cost 14 ms of a 60 ms MLP step. The formula is PyTorch's (`train/adam.ts` owns the
 * optimiser; this is how a backend runs its step).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { adamStep } from "./native/adam_kernel.ts";
import { ptrOf } from "./native/dnnl.ts";
import { nativeEngine } from "./native/engine.ts";

/** The per-step constants of an Adam update: p -= stepSize m / (sqrt(v) / rootBc2 + eps). */
export interface AdamStepConstants {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 - beta1^t). */
  stepSize: number;
  /** sqrt(1 - beta2^t). */
  rootBc2: number;
}

/** Backend internals used for the in-place path (wasm and cpu backends). */
interface MemoryBackend {
  refCount(dataId: object): number;
  typedArrayFromHeap?(info: tf.TensorInfo): Float32Array;
  makeOutput?(shape: number[], dtype: "float32"): tf.TensorInfo;
  data?: { get(dataId: object): { values?: Float32Array } };
}

/** A view of `info`'s float32 memory (wasm heap or cpu values), or undefined. */
function memoryOf(info: tf.TensorInfo, backend: MemoryBackend): Float32Array | undefined {
  if (info.dtype !== "float32") return undefined;
  if (backend.typedArrayFromHeap) return backend.typedArrayFromHeap(info);
  const values = backend.data?.get(info.dataId)?.values;
  return values instanceof Float32Array ? values : undefined;
}

/**
 * One fused pass, or false (nothing done) when the backend is not wasm or cpu or a tensor's
 * memory cannot be updated in place (shared, not float32): the moments are updated in place; the parameter gets a new buffer on wasm,
 * because tfjs-backend-wasm caches XNNPACK operators (with their packed weights) by tensor id,
 * so a weight changed in place would keep being multiplied with its stale packed copy. On cpu
 * the parameter is updated in place too.
 */
export function adamInPlace(
  p: tf.Variable,
  g: tf.Tensor,
  m: tf.Variable,
  v: tf.Variable,
  k: AdamStepConstants,
): boolean {
  const name = tf.getBackend();
  if (name !== "wasm" && name !== "cpu") return false;
  const backend = tf.backend() as unknown as MemoryBackend;
  // moments (and on cpu the parameter) must not share memory with another tensor
  for (const t of name === "cpu" ? [p, m, v] : [m, v]) {
    if (t.dtype !== "float32" || backend.refCount(t.dataId) !== 1) return false;
  }
  if (p.dtype !== "float32" || g.dtype !== "float32") return false;
  const fresh = name === "wasm" ? backend.makeOutput?.(p.shape, "float32") : undefined;
  if (name === "wasm" && !fresh) return false;
  // views are fetched after the allocation (wasm heap views detach when the heap grows)
  const pv = memoryOf(p, backend), gv = memoryOf(g, backend);
  const mv = memoryOf(m, backend), vv = memoryOf(v, backend);
  const out = fresh ? memoryOf(fresh, backend) : pv;
  if (!pv || !gv || !mv || !vv || !out) {
    if (fresh) tf.engine().makeTensorFromTensorInfo(fresh).dispose();
    return false;
  }
  const dnnl = name === "wasm" ? nativeEngine() : null;
  if (dnnl && pv.length >= NATIVE_ADAM_MIN) {
    let scratch = scratchBySize.get(pv.length);
    if (!scratch) scratchBySize.set(pv.length, scratch = new Float32Array(pv.length));
    adamStep(dnnl, pv.length, {
      p: ptrOf(pv),
      g: ptrOf(gv),
      m: ptrOf(mv),
      v: ptrOf(vv),
      out: ptrOf(out),
      scratch: ptrOf(scratch),
    }, k);
  } else {
    updateLoop(pv, gv, mv, vv, out, k);
  }
  if (fresh) {
    const t = tf.engine().makeTensorFromTensorInfo(fresh);
    p.assign(t);
    t.dispose();
  }
  return true;
}

/**
 * Tensors of at least this many values are updated by the native engine's oneDNN passes
 * when it runs (vectorised and threaded); smaller ones by the JS loop, which costs less than
 * four library calls.
 */
const NATIVE_ADAM_MIN = 4096;
const scratchBySize = new Map<number, Float32Array>();

function updateLoop(
  pv: Float32Array,
  gv: Float32Array,
  mv: Float32Array,
  vv: Float32Array,
  out: Float32Array,
  k: AdamStepConstants,
): void {
  const { beta1, beta2, eps, stepSize, rootBc2 } = k;
  const c1 = 1 - beta1, c2 = 1 - beta2;
  for (let i = 0; i < pv.length; i++) {
    const gi = gv[i];
    const mi = beta1 * mv[i] + c1 * gi;
    const vi = beta2 * vv[i] + c2 * gi * gi;
    mv[i] = mi;
    vv[i] = vi;
    out[i] = pv[i] - stepSize * mi / (Math.sqrt(vi) / rootBc2 + eps);
  }
}
