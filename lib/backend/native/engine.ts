/**
 * The native engine: oneDNN's kernels at the CPU's full vector width, registered over the
 * wasm backend's (see `kernels.ts`). This module opens the library, sets its thread pool to
 * the one thread setting of the process, and says what runs.
 *
 * Threads: Debian's oneDNN runs on OpenMP (libgomp), whose pool gets all `threads` threads.
 * The wasm backend under it runs single-threaded: what is left on it (elementwise ops, small
 * reductions) is a few percent of a step, and an XNNPACK pool's spinning workers would fight
 * OpenMP's for the cores. Measured on 2 cores (s/step, DCGAN / MLP, medians of 16 / 40
 * steps, two rounds): wasm 1 + OpenMP 2 with libgomp's default wait policy 0.31-0.32 / 0.060-0.068;
 * wasm 2 + OpenMP 2 0.34-0.36 / 0.089-0.097; `OMP_WAIT_POLICY=passive` 0.35-0.38 / 0.070-0.081;
 * `active` 0.32-0.38 / 0.077-0.087. So OpenMP keeps its default policy (spin briefly, then
 * sleep), and the pools never compute at the same time (an FFI call blocks the JS thread).
 *
 * @module
 */
import { Dnnl, type DnnlInfo } from "./dnnl.ts";
import { registerNativeKernels } from "./kernels.ts";

/** What {@link openNativeEngine} opened. */
export interface NativeEngineReport extends DnnlInfo {
  /** Threads of oneDNN's OpenMP pool. */
  threads: number;
}

/** Options of {@link openNativeEngine}. */
export interface NativeEngineOptions {
  /** Threads for oneDNN's pool (1..64). */
  threads: number;
  /** oneDNN's library file; default: `libdnnl.so.2`, then `libdnnl.so`. */
  library?: string;
}

let opened: { dnnl: Dnnl; report: NativeEngineReport } | null = null;

const OMP_SYMBOLS = {
  omp_set_num_threads: { parameters: ["i32"], result: "void" },
  omp_get_max_threads: { parameters: [], result: "i32" },
} as const;

/** Sets OpenMP's thread count (libgomp, the runtime Debian's oneDNN links). */
function setOmpThreads(threads: number): number {
  const gomp = Deno.dlopen("libgomp.so.1", OMP_SYMBOLS);
  gomp.symbols.omp_set_num_threads(threads);
  const got = gomp.symbols.omp_get_max_threads();
  gomp.close();
  return got;
}

/**
 * Opens oneDNN and sizes its pool (nothing is registered yet: see
 * {@link activateNativeEngine}). A second call reuses the library and resizes the pool.
 *
 * @throws naming the library and the apt package (`libdnnl2`) when oneDNN does not open.
 */
export function openNativeEngine(options: NativeEngineOptions): NativeEngineReport {
  const { threads } = options;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new Error(`threads must be an integer in 1..64, got ${threads}`);
  }
  if (!opened) {
    const dnnl = Dnnl.open(options.library);
    opened = { dnnl, report: { ...dnnl.info, threads } };
  }
  opened.report.threads = setOmpThreads(threads);
  return { ...opened.report };
}

/**
 * Registers the native kernels on the `wasm` backend, which must be active with the wasm pack
 * registered (the native kernels fall back to it). Idempotent.
 */
export function activateNativeEngine(): void {
  if (!opened) throw new Error("openNativeEngine must succeed before activateNativeEngine");
  registerNativeKernels(opened.dnnl);
  active = true;
}

let active = false;

/** The running engine's oneDNN handle, or null before {@link activateNativeEngine}. */
export function nativeEngine(): Dnnl | null {
  return active ? opened?.dnnl ?? null : null;
}

/** One line for the backend report: library, version, ISA, threads. */
export function describeNativeEngine(report: NativeEngineReport): string {
  return `oneDNN ${report.version} (${report.library}, ${report.isa}, ${report.threads} OpenMP thread${
    report.threads === 1 ? "" : "s"
  })`;
}
