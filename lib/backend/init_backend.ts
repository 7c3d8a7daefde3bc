/**
 * Choosing the TensorFlow.js backend: `tensorflow` (tfjs-node, optional), `webgpu` (a GPU
 * through Deno's WebGPU), `native` (oneDNN through FFI over wasm, the default where `libdnnl2`
 * is installed and there is no GPU), `wasm` (embedded) or `cpu` (pure JS, last resort).
 *
 * - `tensorflow` comes from `@tensorflow/tfjs-node`, which is never a dependency of this
 *   project: its install script downloads libtensorflow, which is impossible on offline
 *   machines. Users who have it add it (`deno add npm:@tensorflow/tfjs-node`) and `auto`
 *   picks it up through a dynamic import that is allowed to fail.
 * - `webgpu` is `@tensorflow/tfjs-backend-webgpu` on Deno's `navigator.gpu`. `auto` takes it
 *   only for a hardware adapter: a software rasteriser (llvmpipe, SwiftShader) computes
 *   correctly but slower than the CPU engines, so `auto` passes it over and says why;
 *   `--backend webgpu` takes it anyway (that is how the GPU path is tested on a CPU machine).
 * - `wasm` loads the SIMD build shipped inside the installed `@tensorflow/tfjs-backend-wasm`
 *   package (no network), then registers this project's training kernels on it.
 * - `native` is the wasm backend with its heavy training kernels (convolutions and both of
 *   their gradients, every matrix product) replaced by oneDNN's, called through `Deno.dlopen`
 *   on the tensors' wasm-heap memory in place (`native/`). It needs Debian's `libdnnl2`.
 * - `cpu` always works but is far too slow to train the conv models.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as fs from "node:fs";
import {
  activateNativeEngine,
  describeNativeEngine,
  openNativeEngine,
  PRECISION_CHOICES,
  type PrecisionChoice,
} from "./native/engine.ts";
import type { Precision } from "./native/dnnl.ts";
import { OptionError } from "../option_error.ts";
import { registerWasmTrainingKernels } from "./wasm/register.ts";
import { initWasmThreaded, MAX_WASM_THREADS } from "./wasm/threads.ts";

/** A backend this project can run on. */
export type BackendName = "tensorflow" | "webgpu" | "native" | "wasm" | "cpu";

/** What {@link initBackend} may be asked for: a backend, or `auto` to pick the best. */
export type BackendChoice = "auto" | BackendName;

/** The backend choices, in `auto`'s order of preference. */
export const BACKEND_CHOICES: readonly BackendChoice[] = [
  "auto",
  "tensorflow",
  "webgpu",
  "native",
  "wasm",
  "cpu",
];

/** Options for {@link initBackend}. */
export interface BackendOptions {
  /**
   * Which backend to use. Default `auto`: tensorflow, then webgpu (a hardware adapter), then
   * native, then wasm, then cpu.
   */
  backend?: BackendChoice;
  /**
   * Register this project's wasm training kernels (Conv2DBackpropFilter and faster conv and
   * matmul gradients). Default true; false gives stock tfjs-backend-wasm, for benchmarks.
   */
  wasmTrainingKernels?: boolean;
  /**
   * Threads for the wasm backend (1..{@link MAX_WASM_THREADS}). Default 1: the stock single-threaded SIMD build.
   * More loads tfjs's threaded SIMD build (`wasm/threads.ts`), about 1.7-2x faster conv and
   * matmul on 2 idle cores but slower when the cores are busy. The first wasm
   * initialisation in a process fixes the count; later calls reuse that backend. When threads
   * cannot start, wasm runs single-threaded and the report says why. The native engine's
   * OpenMP pool gets the same count.
   */
  threads?: number;
  /**
   * oneDNN's library file for the native engine. Default: `libdnnl.so.2`, then `libdnnl.so`
   * (Debian's `libdnnl2`). Tests name a missing file to check the fallback to wasm.
   */
  nativeLibrary?: string;
  /**
   * The arithmetic of the native engine's convolutions and matrix products: `fp32`, or `bf16`
   * (mixed precision, where the CPU has bfloat16 dot products: `avx512_bf16`, AMX). Default
   * `auto`, which is fp32 (bf16 did not meet the quality bar: `autoPrecision`). Other backends
   * compute in float32; `bf16` asked of them is an error.
   */
  precision?: PrecisionChoice;
}

/** What {@link initBackend} chose and why the others were passed over. */
export interface BackendReport {
  /** The active backend. */
  name: BackendName;
  /** Extra facts about it (e.g. `SIMD`, threads, the kernel pack). */
  detail: string;
  /** Threads the backend computes with (1 for cpu; the pool size for wasm and native). */
  threads: number;
  /** The arithmetic of convolutions and matrix products (`bf16` only on the native engine). */
  precision: Precision;
  /** Backends tried before it and the reason each was skipped. */
  skipped: { name: BackendName; reason: string }[];
}

/** Directory of the installed `@tensorflow/tfjs-backend-wasm` package's `.wasm` files. */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@tensorflow/tfjs-backend-wasm");
  const dir = path.dirname(entry);
  const simd = path.join(dir, "tfjs-backend-wasm-simd.wasm");
  if (!fs.existsSync(simd)) {
    throw new Error(
      `tfjs-backend-wasm is installed at ${dir} but ${simd} is missing; reinstall with 'deno install'`,
    );
  }
  return dir + path.sep;
}

async function tryTensorflow(): Promise<void> {
  // A variable specifier keeps this import optional: it is resolved only at run time and
  // fails fast when the package is not in the import map.
  const specifier = ["@tensorflow", "tfjs-node"].join("/");
  try {
    await import(specifier);
  } catch (err) {
    throw new Error(
      `@tensorflow/tfjs-node is not installed (optional; 'deno add npm:@tensorflow/tfjs-node' ` +
        `where its native download works): ${firstLine(err)}`,
    );
  }
  if (!(await tf.setBackend("tensorflow"))) {
    throw new Error("@tensorflow/tfjs-node imported but its 'tensorflow' backend failed to start");
  }
}

/** What a WebGPU adapter says it is. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

/**
 * Whether `info` describes a software rasteriser (Mesa's llvmpipe and lavapipe, SwiftShader,
 * Microsoft's Basic Render Driver): correct, but slower than this project's CPU engines.
 */
export function isSoftwareAdapter(info: AdapterInfo, fallback = false): boolean {
  const text = [info.vendor, info.architecture, info.device, info.description].join(" ");
  return fallback || /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render/i.test(text);
}

/** `vendor architecture (description)`, the parts an adapter fills in. */
export function describeAdapter(info: AdapterInfo): string {
  // a PCI vendor id comes as decimal digits: show it as hex
  const vendor = /^\d+$/.test(info.vendor)
    ? `vendor 0x${Number(info.vendor).toString(16)}`
    : info.vendor;
  const name = [vendor, info.architecture].filter(Boolean).join(" ");
  const desc = info.description || info.device;
  return name && desc ? `${name} (${desc})` : name || desc || "unnamed adapter";
}

/**
 * Starts tfjs's WebGPU backend on Deno's `navigator.gpu`. `auto` (`hardwareOnly`) takes only a
 * hardware adapter; `--backend webgpu` takes a software one too (for tests of the GPU path).
 */
async function tryWebgpu(hardwareOnly: boolean): Promise<string> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) throw new Error("this runtime has no WebGPU (navigator.gpu)");
  const adapter = await gpu.requestAdapter() as
    | { info: AdapterInfo; isFallbackAdapter?: boolean }
    | null;
  if (!adapter) {
    throw new Error(
      "no WebGPU adapter (no GPU driver; Mesa's software one: apt-get install libegl-mesa0 libgl1-mesa-dri)",
    );
  }
  const name = describeAdapter(adapter.info);
  const software = isSoftwareAdapter(adapter.info, adapter.isFallbackAdapter);
  if (software && hardwareOnly) {
    throw new Error(`the adapter is a software rasteriser, ${name}: slower than the CPU engines`);
  }
  // imported only here: the package registers its backend when loaded
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) throw new Error(`the webgpu backend failed on ${name}`);
  return `${software ? "software" : "hardware"} adapter ${name}`;
}

async function tryWasm(registerKernels: boolean, threads: number): Promise<string> {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(`threads must be an integer in 1..${MAX_WASM_THREADS}, got ${threads}`);
  }
  let note = "";
  if (threads > 1 && !tf.findBackend("wasm")) {
    try {
      await initWasmThreaded({ threads });
    } catch (err) {
      note = ` (threads unavailable: ${firstLine(err)})`;
    }
  } else if (tf.findBackend("wasm") && getThreadsCount() !== threads) {
    note =
      ` (asked for ${threads}; the wasm backend of this process was started with ${getThreadsCount()})`;
  }
  if (!tf.findBackend("wasm")) setWasmPaths(wasmDistDir());
  if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend failed to initialise");
  await tf.ready();
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  if (registerKernels) registerWasmTrainingKernels();
  const n = getThreadsCount();
  return `${simd ? "SIMD" : "no SIMD"}, ${n} thread${n === 1 ? "" : "s"}${note}, ` +
    `training kernels ${registerKernels ? "registered" : "off (stock)"}`;
}

async function tryNative(
  threads: number,
  library: string | undefined,
  precision: PrecisionChoice,
): Promise<{ detail: string; threads: number; precision: Precision }> {
  // oneDNN first: when it is missing, wasm has not been started single-threaded for nothing
  const engine = openNativeEngine({ threads, library, precision });
  // single-threaded wasm under oneDNN's pool (why: native/engine.ts)
  const wasm = await tryWasm(true, 1);
  activateNativeEngine();
  return {
    detail: `${describeNativeEngine(engine)} over wasm (${wasm})`,
    threads: engine.threads,
    precision: engine.precision,
  };
}

async function tryCpu(): Promise<void> {
  if (!(await tf.setBackend("cpu"))) throw new Error("the cpu backend failed to initialise");
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split("\n")[0];
}

/**
 * Selects and initialises a backend and reports the choice.
 *
 * @throws when a specific backend is asked for and cannot start, naming the reason.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendReport> {
  const choice = options.backend ?? "auto";
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new OptionError(
      `unknown {backend} '${choice}': expected one of ${BACKEND_CHOICES.join(", ")}`,
    );
  }
  const precisionChoice = options.precision ?? "auto";
  if (!PRECISION_CHOICES.includes(precisionChoice)) {
    throw new OptionError(
      `unknown {precision} '${precisionChoice}': expected one of ${PRECISION_CHOICES.join(", ")}`,
    );
  }
  // Production mode: skips tfjs's debug-only checks and its console advice about tfjs-node.
  tf.enableProdMode();
  // bf16 is the native engine's alone: asked for, it picks the engine (and its refusal is the error)
  const order: BackendName[] = choice !== "auto"
    ? [choice]
    : precisionChoice === "bf16"
    ? ["native"]
    : ["tensorflow", "webgpu", "native", "wasm", "cpu"];
  const skipped: BackendReport["skipped"] = [];
  for (const name of order) {
    try {
      if (precisionChoice === "bf16" && name !== "native") {
        throw new Error(`precision bf16 runs on the native engine only (oneDNN)`);
      }
      let detail = "", nativeThreads = 1, precision: Precision = "fp32";
      if (name === "tensorflow") await tryTensorflow();
      else if (name === "webgpu") detail = await tryWebgpu(choice === "auto");
      else if (name === "native") {
        ({ detail, threads: nativeThreads, precision } = await tryNative(
          options.threads ?? 1,
          options.nativeLibrary,
          precisionChoice,
        ));
      } else if (name === "wasm") {
        detail = await tryWasm(options.wasmTrainingKernels ?? true, options.threads ?? 1);
      } else await tryCpu();
      await tf.ready();
      const threads = name === "wasm" ? getThreadsCount() : name === "native" ? nativeThreads : 1;
      return { name, detail, skipped, threads, precision };
    } catch (err) {
      if (err instanceof OptionError) throw err;
      if (choice !== "auto") throw new Error(`backend '${name}' is unavailable: ${firstLine(err)}`);
      skipped.push({ name, reason: firstLine(err) });
    }
  }
  throw new Error(
    `no backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")}`,
  );
}

/**
 * The backend entry points use when none is given: `GAN_BACKEND`, else `auto`. This is the one
 * place the library reads it (the CLIs and the notebooks call it).
 *
 * @throws when `GAN_BACKEND` is not one of {@link BACKEND_CHOICES}.
 */
export function backendFromEnv(): BackendChoice {
  const value = Deno.env.get("GAN_BACKEND") ?? "auto";
  if (!BACKEND_CHOICES.includes(value as BackendChoice)) {
    throw new Error(`GAN_BACKEND expects one of ${BACKEND_CHOICES.join("|")}, got '${value}'`);
  }
  return value as BackendChoice;
}

/**
 * The precision entry points use when none is given: `GAN_PRECISION`, else `auto`. This is the
 * one place the library reads it.
 *
 * @throws when `GAN_PRECISION` is not one of `auto`, `fp32`, `bf16`.
 */
export function precisionFromEnv(): PrecisionChoice {
  const value = Deno.env.get("GAN_PRECISION") ?? "auto";
  if (!PRECISION_CHOICES.includes(value as PrecisionChoice)) {
    throw new Error(`GAN_PRECISION expects one of ${PRECISION_CHOICES.join("|")}, got '${value}'`);
  }
  return value as PrecisionChoice;
}

/**
 * The thread count entry points use when none is given: `GAN_THREADS`, else the number of
 * logical CPUs (capped at 8, tfjs's limit). This is the one place the library reads it.
 *
 * @throws when `GAN_THREADS` is not an integer in 1..{@link MAX_WASM_THREADS}.
 */
export function defaultThreads(): number {
  const fromEnv = Deno.env.get("GAN_THREADS");
  if (fromEnv === undefined) {
    return Math.min(MAX_WASM_THREADS, Math.max(1, navigator.hardwareConcurrency || 1));
  }
  const n = Number(fromEnv);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
    throw new Error(`GAN_THREADS expects an integer in 1..${MAX_WASM_THREADS}, got '${fromEnv}'`);
  }
  return n;
}

/** The backend and what it runs with, e.g. `wasm (SIMD, 2 threads, ...)`: what runs record. */
export function backendSummary(report: BackendReport): string {
  return `${report.name}${report.detail ? ` (${report.detail})` : ""}`;
}

/** One line describing a {@link BackendReport}, for logs and notebooks. */
export function describeBackend(report: BackendReport): string {
  const why = report.skipped.map((s) => `${s.name} skipped: ${s.reason}`).join("; ");
  return `backend ${backendSummary(report)}` + (why ? ` [${why}]` : "");
}
