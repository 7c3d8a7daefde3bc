/**
 * Identity without a copy: the output shares the input's memory (its refcount goes up), as
 * tfjs's cpu backend does; the stock wasm kernel copies every value. tfjs runs Identity for
 * every tensor it saves for a backward pass (`clone`): 94 copies a DCGAN step, 648 a StyleGAN
 * step (about a tenth of its time on one thread).
 *
 * Sharing is safe here because nothing writes into the memory of an existing tensor unless that
 * tensor is its only user: kernels write only into outputs they allocate, and the in-place Adam
 * (`../adam_in_place.ts`) checks that each moment's refcount is 1 and gives the parameter a new
 * buffer.
 *
 * @module
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import { type BackendWasm, packKernelConfig } from "./wasm_util.ts";

/** The zero-copy Identity. */
export const identityConfig: KernelConfig = packKernelConfig(
  "Identity",
  ({ inputs, backend }: { inputs: { x: TensorInfo }; backend: BackendWasm }) => {
    const { x } = inputs;
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  },
);
