/**
 * The native engine: oneDNN's kernels at the CPU's full vector width, registered over the
 * wasm backend's (see `kernels.ts`). This module opens the library, sets its thread pool to
 * the one thread setting of the process, and says what runs.
 *
 * Threads: Debian's oneDNN runs on OpenMP (libgomp). Its pool gets `threads` threads, and
 * waits passively (`OMP_WAIT_POLICY=passive`, set before libgomp loads) so its idle workers
 * sleep instead of spinning against the wasm pool between native calls: the two pools never
 * compute at the same time (an FFI call blocks the JS thread), so `threads` each is no
 * oversubscription.
 *
 * @module
 */
import { Dnnl, type DnnlInfo } from "./dnnl.ts";
import { registerNativeKernels } from "./kernels.ts";

/** What {@link startNativeEngine} started. */
export interface NativeEngineReport extends DnnlInfo {
  /** Threads of oneDNN's OpenMP pool. */
  threads: number;
}

/** Options of {@link startNativeEngine}. */
export interface NativeEngineOptions {
  /** Threads for oneDNN's pool (1..64). */
  threads: number;
  /** oneDNN's library file; default: `libdnnl.so.2`, then `libdnnl.so`. */
  library?: string;
}

let started: { dnnl: Dnnl; report: NativeEngineReport } | null = null;

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
 * Opens oneDNN, sizes its pool and registers the native kernels on the `wasm` backend (which
 * must be the active backend, with the wasm pack registered: the native kernels fall back to
 * it). A second call returns the first report, with the pool resized.
 *
 * @throws naming the library and the apt package (`libdnnl2`) when oneDNN does not open.
 */
export function startNativeEngine(options: NativeEngineOptions): NativeEngineReport {
  const { threads } = options;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new Error(`threads must be an integer in 1..64, got ${threads}`);
  }
  if (!started) {
    if (Deno.env.get("OMP_WAIT_POLICY") === undefined) Deno.env.set("OMP_WAIT_POLICY", "passive");
    const dnnl = Dnnl.open(options.library);
    started = { dnnl, report: { ...dnnl.info, threads } };
  }
  started.report.threads = setOmpThreads(threads);
  registerNativeKernels(started.dnnl);
  return { ...started.report };
}

/** The running engine's oneDNN handle, or null before {@link startNativeEngine}. */
export function nativeEngine(): Dnnl | null {
  return started?.dnnl ?? null;
}

/** One line for the backend report: library, version, ISA, threads. */
export function describeNativeEngine(report: NativeEngineReport): string {
  return `oneDNN ${report.version} (${report.library}, ${report.isa}, ${report.threads} OpenMP thread${
    report.threads === 1 ? "" : "s"
  })`;
}
