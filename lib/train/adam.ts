/**
 * Adam (Kingma & Ba), as PyTorch's `torch.optim.Adam` computes it (report table 1), with its
 * whole state (step count, first and second moments per parameter) named and exposed for
 * checkpoints.
 *
 * tfjs ships an Adam optimiser, but it keys its moments by the position of each variable in
 * the gradient map and adds epsilon differently (1e-7 by default); owning these few lines
 * makes the update PyTorch's and the checkpoint format explicit.
 *
 * Speed: on the wasm and cpu backends (the native engine included) the backend updates the
 * memory in place (`backend/adam_in_place.ts`); elsewhere, or when a moment's memory is
 * shared, the formula below runs as tfjs ops.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { adamInPlace, type AdamStepConstants } from "../backend/adam_in_place.ts";
import { assignStored, type StoredTensor } from "../io/checkpoint_format.ts";

/** Adam hyper-parameters. */
export interface AdamConfig {
  /** Learning rate. */
  lr: number;
  /** Decay of the first moment. */
  beta1: number;
  /** Decay of the second moment. */
  beta2: number;
  /** Added to the root of the second moment. */
  eps: number;
}

/** Adam over a fixed set of named variables. Owns its moment tensors; call `dispose()`. */
export class Adam {
  /** Updates applied so far (PyTorch's `state['step']`). */
  step = 0;
  readonly #vars: Map<string, tf.Variable>;
  readonly #m = new Map<string, tf.Variable>();
  readonly #v = new Map<string, tf.Variable>();

  /** Creates an optimiser for `vars` with zeroed moments. */
  constructor(vars: Map<string, tf.Variable>, readonly config: AdamConfig) {
    this.#vars = vars;
    for (const [name, v] of vars) {
      this.#m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
      this.#v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
    }
  }

  /** The variables it updates, by name. */
  get variables(): Map<string, tf.Variable> {
    return this.#vars;
  }

  /**
   * Applies one update from `grads` (by the same names as the variables). The gradient
   * tensors stay the caller's.
   */
  apply(grads: Map<string, tf.Tensor>): void {
    for (const name of this.#vars.keys()) {
      if (!grads.has(name)) throw new Error(`Adam: no gradient for ${name}`);
    }
    this.step += 1;
    const { lr, beta1, beta2, eps } = this.config;
    // PyTorch: p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)
    const k: AdamStepConstants = {
      beta1,
      beta2,
      eps,
      stepSize: lr / (1 - beta1 ** this.step),
      rootBc2: Math.sqrt(1 - beta2 ** this.step),
    };
    for (const [name, p] of this.#vars) {
      const g = grads.get(name)!, m = this.#m.get(name)!, v = this.#v.get(name)!;
      if (!adamInPlace(p, g, m, v, k)) updateWithOps(p, g, m, v, k);
    }
  }

  /** The moments as named tensors (`m/<name>`, `v/<name>`), for checkpoints. Not copies. */
  stateTensors(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [name, t] of this.#m) out.set(`m/${name}`, t);
    for (const [name, t] of this.#v) out.set(`v/${name}`, t);
    return out;
  }

  /**
   * Restores the moments saved (as {@link Adam.stateTensors} names them) under `prefix` in
   * `stored`, and the step count `step`.
   *
   * @param what names the checkpoint in errors.
   */
  restore(stored: Map<string, StoredTensor>, prefix: string, step: number, what: string): void {
    assignStored(this.stateTensors(), stored, prefix, what);
    this.step = step;
  }

  /** Frees the moment tensors (not the variables it updates). */
  dispose(): void {
    for (const t of [...this.#m.values(), ...this.#v.values()]) t.dispose();
  }
}

function updateWithOps(
  p: tf.Variable,
  g: tf.Tensor,
  m: tf.Variable,
  v: tf.Variable,
  k: AdamStepConstants,
): void {
  tf.tidy(() => {
    const m1 = tf.add(tf.mul(m, k.beta1), tf.mul(g, 1 - k.beta1));
    const v1 = tf.add(tf.mul(v, k.beta2), tf.mul(tf.square(g), 1 - k.beta2));
    m.assign(m1);
    v.assign(v1);
    const denom = tf.add(tf.div(tf.sqrt(v1), k.rootBc2), k.eps);
    p.assign(tf.sub(p, tf.mul(tf.div(m1, denom), k.stepSize)));
  });
}
