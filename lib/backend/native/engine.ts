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
import * as tf from "@tensorflow/tfjs";
import { OptionError } from "../../option_error.ts";
import { Dnnl, type DnnlInfo, type Precision } from "./dnnl.ts";
import { registerNativeKernels } from "./kernels.ts";

/** The most threads oneDNN's pool takes (the entry points cap it lower: MAX_WASM_THREADS). */
export const MAX_NATIVE_THREADS = 64;

/** What `--precision` may ask for: a precision, or `auto` ({@link autoPrecision}). */
export type PrecisionChoice = "auto" | Precision;

/** The precision choices, `auto` first. */
export const PRECISION_CHOICES: readonly PrecisionChoice[] = ["auto", "fp32", "bf16"];

/** What {@link openNativeEngine} opened. */
export interface NativeEngineReport extends DnnlInfo {
  /** Threads of oneDNN's OpenMP pool. */
  threads: number;
  /** The arithmetic of convolutions and matrix products. */
  precision: Precision;
}

/** Options of {@link openNativeEngine}. */
export interface NativeEngineOptions {
  /** Threads for oneDNN's pool (1..{@link MAX_NATIVE_THREADS}). */
  threads: number;
  /** oneDNN's library file; default: `libdnnl.so.2`, then `libdnnl.so`. */
  library?: string;
  /**
   * The arithmetic of convolutions and matrix products. Default `auto` ({@link autoPrecision}:
   * fp32). `bf16` on a CPU without bfloat16 dot products is an error.
   */
  precision?: PrecisionChoice;
}

/**
 * What `auto` means: `fp32`, on every CPU. bf16 was to become the default where the CPU has
 * bfloat16 dot products if its FIDs at equal steps lay within the seed spread of fp32's; measured
 * on the DCGAN (3 epochs, two seeds each, 10,000 samples), fp32 scored 47.96 and 52.94 and bf16
 * 50.31 and 60.87: one bf16 run fell outside, so bf16 stays a choice (`--precision bf16`, 0.81x
 * the DCGAN step) rather than the default (`docs/performance.md`, "Mixed precision").
 */
export function autoPrecision(): Precision {
  return "fp32";
}

/**
 * The precision `choice` resolves to on a CPU that oneDNN reports as `info`.
 *
 * @throws when `bf16` is asked for on a CPU without bfloat16 dot products, naming its ISA.
 */
export function resolvePrecision(choice: PrecisionChoice, info: DnnlInfo): Precision {
  if (!PRECISION_CHOICES.includes(choice)) {
    throw new Error(`precision must be one of ${PRECISION_CHOICES.join(", ")}, got '${choice}'`);
  }
  if (choice === "auto") return autoPrecision();
  if (choice === "bf16" && !info.bf16) {
    throw new OptionError(
      `{precision} bf16 needs a CPU with bfloat16 dot products (avx512_bf16 or AMX); oneDNN ` +
        `reports ${info.isa} here: use {precision} fp32 or auto`,
    );
  }
  return choice;
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
 * Opens oneDNN, sizes its pool and sets its precision (nothing is registered yet: see
 * {@link activateNativeEngine}). A second call reuses the library, resizes the pool and sets
 * the precision again.
 *
 * @throws naming the library and the apt package (`libdnnl2`) when oneDNN does not open, or
 * when the precision cannot run on this CPU.
 */
export function openNativeEngine(options: NativeEngineOptions): NativeEngineReport {
  const { threads } = options;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_NATIVE_THREADS) {
    throw new Error(`threads must be an integer in 1..${MAX_NATIVE_THREADS}, got ${threads}`);
  }
  if (!opened) {
    const dnnl = Dnnl.open(options.library);
    opened = { dnnl, report: { ...dnnl.info, threads, precision: "fp32" } };
  }
  const precision = resolvePrecision(options.precision ?? "auto", opened.dnnl.info);
  opened.dnnl.precision = opened.report.precision = precision;
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

/**
 * The precision convolutions and matrix products compute at now: the native engine's when it
 * runs, else `fp32`.
 */
export function activePrecision(): Precision {
  return (tf.getBackend() === "wasm" ? nativeEngine()?.precision : undefined) ?? "fp32";
}

/**
 * Runs `fn` with the native engine at `precision` (when it is active), then restores the
 * engine's own: measurements (the judge's features) and drawing samples stay float32 whatever
 * precision trains.
 *
 * @example
 * ```ts
 * const features = withPrecision("fp32", () => judge.forward(x, { training: false }));
 * ```
 */
export function withPrecision<T>(precision: Precision, fn: () => T): T {
  const dnnl = nativeEngine();
  if (!dnnl || dnnl.precision === precision) return fn();
  const before = dnnl.precision;
  dnnl.precision = precision;
  try {
    return fn();
  } finally {
    dnnl.precision = before;
  }
}

/**
 * One line for the backend report: library, version, ISA, threads, precision, and why fp32
 * where it is (the CPU has no bfloat16 dot products, or bf16 was not asked for).
 */
export function describeNativeEngine(report: NativeEngineReport): string {
  const why = report.precision === "bf16"
    ? ""
    : report.bf16
    ? ", bf16 on request"
    : ", no bf16 on this CPU";
  return `oneDNN ${report.version} (${report.library}, ${report.isa}, ${report.threads} OpenMP thread${
    report.threads === 1 ? "" : "s"
  }, precision ${report.precision}${why})`;
}
