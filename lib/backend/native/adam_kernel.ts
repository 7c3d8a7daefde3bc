/**
 * One Adam step as oneDNN passes over a parameter's memory in place (vectorised, threaded):
 * the optimiser's formula is `train/adam.ts`'s; this is how the native engine runs it.
 *
 * @module
 */
import {
  type Dnnl,
  offsetPtr,
  type PostOp,
  type PrimitiveRecipe,
  type Ptr,
  ptrOf,
} from "./dnnl.ts";
import { ARG, KIND, postOpSrc1, TAG } from "./dnnl_api.ts";

/** The per-step scalars of {@link adamStep}: (1 - beta1), 1 / bc2, -lr / bc1. */
const adamScalars = new Float32Array(4);

/**
 * One Adam step (PyTorch's formula) over `n` float32 values, as four oneDNN passes:
 * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2 (both in place); d = sqrt(v / bc2) + eps;
 * out = p - lr / bc1 * m / d. `scratch` holds d (n floats). The per-step factors are runtime
 * inputs (one-value tensors), so the primitives are built once per size.
 */
export function adamStep(
  dnnl: Dnnl,
  n: number,
  b: { p: Ptr; g: Ptr; m: Ptr; v: Ptr; out: Ptr; scratch: Ptr },
  k: { beta1: number; beta2: number; eps: number; stepSize: number; rootBc2: number },
): void {
  const key = `${n},${k.beta1},${k.beta2},${k.eps}`;
  const sc = adamScalars;
  sc[0] = 1 - k.beta1;
  sc[1] = 1 / (k.rootBc2 * k.rootBc2);
  sc[2] = -k.stepSize;
  const at = (i: number) => offsetPtr(ptrOf(sc), 4 * i);
  /** A binary op over [n] with a second input of n values or one; post-ops in `attr`. */
  const binary = (alg: number, src1IsVector: boolean, postOps: PostOp[]) => (): PrimitiveRecipe => {
    const vec = dnnl.md([n], TAG.a), one = dnnl.md([1], TAG.a);
    const src1 = src1IsVector ? vec : one;
    const mds: [number, Uint8Array][] = [[ARG.src, vec], [ARG.src1, src1], [ARG.dst, vec]];
    postOps.forEach((op, i) => {
      if ("binary" in op) mds.push([postOpSrc1(i), op.md]);
    });
    return {
      op: (d) =>
        dnnl.symbols.dnnl_binary_desc_init(ptrOf(d), alg, ptrOf(vec), ptrOf(src1), ptrOf(vec)),
      mds,
      attr: dnnl.postOps(postOps),
    };
  };
  // m = (1 - b1) g + b1 m
  const mStep = dnnl.primitive(
    `adam-m:${key}`,
    binary(KIND.binaryMul, false, [{ sum: k.beta1 }]),
  );
  dnnl.run(mStep, [[ARG.src, b.g], [ARG.src1, at(0)], [ARG.dst, b.m]]);
  // v = (1 - b2) g g + b2 v
  const vStep = dnnl.primitive(
    `adam-v:${key}`,
    binary(KIND.binaryMul, true, [{ eltwise: KIND.eltwiseLinear, alpha: 1 - k.beta2, beta: 0 }, {
      sum: k.beta2,
    }]),
  );
  dnnl.run(vStep, [[ARG.src, b.g], [ARG.src1, b.g], [ARG.dst, b.v]]);
  // d = sqrt(v * (1 / bc2)) + eps (a binary op: oneDNN's eltwise with post-ops is its
  // reference kernel, and gave zeros)
  const dStep = dnnl.primitive(
    `adam-d:${key}`,
    binary(KIND.binaryMul, false, [{ eltwise: KIND.eltwiseSqrt, alpha: 0, beta: 0 }, {
      eltwise: KIND.eltwiseLinear,
      alpha: 1,
      beta: k.eps,
    }]),
  );
  dnnl.run(dStep, [[ARG.src, b.v], [ARG.src1, at(1)], [ARG.dst, b.scratch]]);
  // out = m / d * (-lr / bc1) + p
  const pStep = dnnl.primitive(
    `adam-p:${key}`,
    binary(KIND.binaryDiv, true, [
      { binary: KIND.binaryMul, md: dnnl.md([1], TAG.a) },
      { binary: KIND.binaryAdd, md: dnnl.md([n], TAG.a) },
    ]),
  );
  dnnl.run(pStep, [[ARG.src, b.m], [ARG.src1, b.scratch], [ARG.dst, b.out], [
    postOpSrc1(0),
    at(2),
  ], [postOpSrc1(1), b.p]]);
  dnnl.wait();
}
