/**
 * fashion-gan: the public API. This file only re-exports.
 *
 * @module
 */
export * from "./random.ts";
export * from "./backend/init_backend.ts";
export * from "./data/idx.ts";
export * from "./data/fashion_mnist.ts";
export * from "./data/batches.ts";
