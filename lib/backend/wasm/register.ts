/**
 * Registers this project's training kernels on the wasm backend.
 *
 * @module
 */

/** Registers the wasm training kernels. Safe to call more than once. */
export function registerWasmTrainingKernels(): void {
  // filled by the kernel pack
}
