/**
 * Sum and Mean over axes that are not the innermost, without a transpose. tfjs's wasm kernels
 * reduce only the innermost axes: for any other axes they first transpose the whole tensor (a
 * full copy), which is what a bias gradient (a sum of [b, h, w, c] over b, h and w), a batch
 * mean or StyleGAN's demodulation (a sum of [k, k, cin, cout] over k, k and cin) ask for. These
 * kernels read such a tensor as [outer, reduced, inner] and add rows of `inner` values in place
 * (float64 accumulators), one pass over the data. Reductions of the innermost axes, of axes
 * that are not one contiguous block, or of other dtypes, go to the stock kernels.
 *
 * @module
 */
import { backend_util, type KernelConfig, type TensorInfo, util } from "@tensorflow/tfjs-core";
import {
  type BackendWasm,
  heapF32,
  makeOutput,
  packKernelConfig,
  runStockKernel,
} from "./wasm_util.ts";

/** `x` as [outer, reduced, inner] for a contiguous block of `axes`, or null. */
export function reductionGeometry(
  shape: readonly number[],
  axes: readonly number[],
): { outer: number; reduced: number; inner: number } | null {
  if (axes.length === 0) return null;
  const sorted = [...axes].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1] + 1) return null;
  const first = sorted[0], last = sorted[sorted.length - 1];
  const inner = util.sizeFromShape(shape.slice(last + 1));
  if (inner === 1) return null; // innermost: the stock kernel reduces without a transpose
  return {
    outer: util.sizeFromShape(shape.slice(0, first)),
    reduced: util.sizeFromShape(shape.slice(first, last + 1)),
    inner,
  };
}

function reduceKernel(kernelName: "Sum" | "Mean") {
  return (
    { inputs, backend, attrs }: {
      inputs: { x: TensorInfo };
      backend: BackendWasm;
      attrs: { axis: number | number[]; keepDims: boolean };
    },
  ): TensorInfo => {
    const { x } = inputs;
    const axes = util.parseAxisParam(attrs.axis, x.shape);
    const geometry = x.dtype === "float32" ? reductionGeometry(x.shape, axes) : null;
    if (!geometry) return runStockKernel(kernelName, backend, { x }, attrs as never);
    const { outer, reduced, inner } = geometry;
    let [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    if (attrs.keepDims) outShape = backend_util.expandShapeToKeepDim(outShape, axes);
    const out = makeOutput(backend, outShape);
    const xs = heapF32(backend, x), ys = heapF32(backend, out);
    const acc = new Float64Array(inner);
    const scale = kernelName === "Mean" ? 1 / reduced : 1;
    for (let o = 0; o < outer; o++) {
      acc.fill(0);
      for (let r = 0, base = o * reduced * inner; r < reduced; r++, base += inner) {
        for (let i = 0; i < inner; i++) acc[i] += xs[base + i];
      }
      for (let i = 0; i < inner; i++) ys[o * inner + i] = acc[i] * scale;
    }
    return out;
  };
}

/** Sum over non-innermost axes without a transpose (module docs). */
export const sumConfig: KernelConfig = packKernelConfig("Sum", reduceKernel("Sum"));

/** Mean over non-innermost axes without a transpose (module docs). */
export const meanConfig: KernelConfig = packKernelConfig("Mean", reduceKernel("Mean"));
