/**
 * Multi-threaded TensorFlow.js wasm backend for Deno.
 *
 * tfjs-backend-wasm ships a threaded SIMD build (`tfjs-backend-wasm-threaded-simd.wasm`,
 * XNNPACK with a pthreadpool) but never uses it outside browsers: its
 * `WASM_HAS_MULTITHREAD_SUPPORT` flag is false whenever `IS_NODE` is true (Deno
 * counts), its pthread worker script is handed over as a `blob:` URL that Deno's
 * `node:worker_threads` refuses, and the thread count is capped at
 * `navigator.hardwareConcurrency / 2`.
 *
 * {@link initWasmThreaded} loads that build itself instead of going through tfjs's
 * `init()`:
 *
 * - the Emscripten glue script is evaluated in a private scope (see
 *   `emscripten_scope.ts`), so its Node-mode writes (`global.Worker`,
 *   `process.on(...)`) never reach the real globals: there is no global monkeypatching,
 *   not even during init;
 * - pthreads run as `node:worker_threads` Workers on this package's own worker module
 *   (`pthread_worker.ts`), from a `file:` URL;
 * - those Workers are `unref()`'d and stay so (Emscripten's `ref()` on them is ignored),
 *   so a script ends by itself while XNNPACK's threads sit in their futex wait;
 * - the core count the glue script sees is `2 * threads`, which lifts tfjs's
 *   cores/2 cap; the pool size is still capped at 8 by tfjs (`MAX_WASM_THREADS`);
 * - the resulting Emscripten module goes into tfjs's own exported `BackendWasm`
 *   class, registered as the `wasm` backend, so every stock wasm kernel (and any kernel
 *   registered later for `wasm`) works unchanged.
 *
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { initWasmThreaded } from "./threads.ts";
 * const { threads, detail } = await initWasmThreaded({ threads: 2 });
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { BackendWasm, getThreadsCount, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { Worker as NodeWorker } from "node:worker_threads";
import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluateFactory, readText } from "./emscripten_scope.ts";
import type { PthreadWorkerData } from "./pthread_worker.ts";

/** Most threads tfjs-backend-wasm's XNNPACK pool accepts (hard-coded in its C++). */
export const MAX_WASM_THREADS = 8;

/** Options for {@link initWasmThreaded}. */
export interface WasmThreadsOptions {
  /**
   * Threads XNNPACK may use, the calling (main) thread included: `2` means the main
   * thread plus one worker. Integer in 1..{@link MAX_WASM_THREADS}. Default: the
   * number of logical CPUs (`navigator.hardwareConcurrency`), capped at 8.
   */
  threads?: number;
  /**
   * Milliseconds to wait for the wasm module and its worker threads to start before
   * giving up (the workers are then terminated). Default 30000.
   */
  timeoutMs?: number;
}

/** What {@link initWasmThreaded} set up. */
export interface WasmThreadsReport {
  /** Thread count of XNNPACK's pool as reported by the wasm module itself. */
  threads: number;
  /** Human-readable summary: build, binary path, thread and worker counts. */
  detail: string;
}

// deno-lint-ignore no-explicit-any
type EmscriptenModule = Record<string, any>;

interface ActiveState {
  module: EmscriptenModule;
  workers: Set<NodeWorker>;
  report: WasmThreadsReport;
}

let active: ActiveState | null = null;
let initInFlight: Promise<WasmThreadsReport> | null = null;

/** Paths of the installed tfjs-backend-wasm pieces this module needs. */
export function threadedWasmFiles(): { script: string; wasm: string } {
  const require = createRequire(import.meta.url);
  const distDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
  const script = path.resolve(distDir, "..", "wasm-out", "tfjs-backend-wasm-threaded-simd.js");
  const wasm = path.join(distDir, "tfjs-backend-wasm-threaded-simd.wasm");
  return { script, wasm };
}

/**
 * Returns `null` when this runtime can run the threaded wasm build, or the reason why
 * it cannot (no SharedArrayBuffer, no wasm threads/SIMD, missing files).
 */
export function threadedWasmUnavailableReason(): string | null {
  if (typeof SharedArrayBuffer === "undefined") {
    return "SharedArrayBuffer is not available in this runtime";
  }
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (e) {
    return `shared WebAssembly.Memory is not supported: ${(e as Error).message}`;
  }
  // A module using SIMD (v128.const) and an atomic instruction on shared memory.
  const probe = new Uint8Array([
    0,
    97,
    115,
    109,
    1,
    0,
    0,
    0,
    1,
    5,
    1,
    96,
    0,
    1,
    123,
    3,
    2,
    1,
    0,
    5,
    4,
    1,
    3,
    1,
    1,
    10,
    29,
    1,
    27,
    0,
    65,
    0,
    254,
    16,
    2,
    0,
    26,
    253,
    12,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    11,
  ]);
  if (!WebAssembly.validate(probe)) {
    return "this WebAssembly engine lacks threads (atomics) or SIMD support";
  }
  const { script, wasm } = threadedWasmFiles();
  for (const f of [script, wasm]) {
    if (!fs.existsSync(f)) {
      return `${f} is missing from the installed @tensorflow/tfjs-backend-wasm`;
    }
  }
  return null;
}

/**
 * Sets up and activates tfjs's `wasm` backend on the threaded SIMD build with the
 * given thread count. Call it instead of `setWasmPaths()` + `tf.setBackend("wasm")`,
 * before anything initializes the `wasm` backend.
 *
 * Idempotent for the same thread count; asking for another count while it is active
 * throws (call {@link shutdownWasmThreads} first). Throws an Error saying why when
 * threads are unavailable; the caller can then fall back to the single-threaded
 * backend.
 */
export function initWasmThreaded(options: WasmThreadsOptions = {}): Promise<WasmThreadsReport> {
  const threads = options.threads ??
    Math.min(MAX_WASM_THREADS, Math.max(1, navigator.hardwareConcurrency || 1));
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    return Promise.reject(
      new RangeError(
        `initWasmThreaded: threads must be an integer in 1..${MAX_WASM_THREADS}, got ${threads}`,
      ),
    );
  }
  if (active != null) {
    if (active.report.threads === threads && tf.findBackend("wasm") != null) {
      return tf.setBackend("wasm").then(() => active!.report);
    }
    return Promise.reject(
      new Error(
        `initWasmThreaded: the threaded wasm backend is already active with ` +
          `${active.report.threads} threads; call shutdownWasmThreads() before asking for ${threads}`,
      ),
    );
  }
  if (initInFlight != null) {
    return Promise.reject(new Error("initWasmThreaded: another initialization is in progress"));
  }
  initInFlight = start(threads, options.timeoutMs ?? 30_000).finally(() => {
    initInFlight = null;
  });
  return initInFlight;
}

async function start(threads: number, timeoutMs: number): Promise<WasmThreadsReport> {
  if (tf.findBackend("wasm") != null) {
    throw new Error(
      "initWasmThreaded: the 'wasm' backend was already initialized (single-threaded, by " +
        "tf.setBackend('wasm') or tf.ready()); call initWasmThreaded before either",
    );
  }
  const reason = threadedWasmUnavailableReason();
  if (reason != null) throw new Error(`threaded wasm backend unavailable: ${reason}`);

  const { script, wasm } = threadedWasmFiles();
  const workers = new Set<NodeWorker>();
  const workerData: PthreadWorkerData = { scriptPath: script, logicalCores: 2 * threads };
  const workerUrl = new URL("./pthread_worker.ts", import.meta.url);

  // What the glue script gets for `new Worker(...)`: our worker module instead of the
  // blob: URL it asks for, unref'd for good so it never keeps the process alive.
  class PthreadWorker extends NodeWorker {
    constructor(_requestedUrl: unknown) {
      super(workerUrl, { workerData });
      super.unref();
      workers.add(this);
    }
    override ref(): void {
      // Ignored: Emscripten refs a worker while its pthread runs, and XNNPACK's
      // pool threads run forever. Work on them is always awaited synchronously by the
      // main thread, so nothing is lost when the process exits under them.
    }
  }

  let source = readText(script);
  // The glue script pre-spawns 8 workers (one V8 isolate each) whatever the thread
  // count; XNNPACK uses threads - 1 of them. Spawn only those when the pattern is
  // there (otherwise keep 8: it still works, it just costs memory). At least 1: with
  // an empty pool the glue script never clears its "wasm-instantiate" run dependency.
  // The pool must not be smaller than threads - 1: a pthread created beyond it gets a
  // worker that only loads once the main thread yields, while XNNPACK blocks the main
  // thread waiting for it (deadlock).
  const poolPattern = /var pthreadPoolSize=8;/;
  const poolSize = Math.max(1, threads - 1);
  const poolPatched = poolPattern.test(source);
  if (poolPatched) source = source.replace(poolPattern, `var pthreadPoolSize=${poolSize};`);

  const factory = evaluateFactory(source, {
    scriptPath: script,
    logicalCores: 2 * threads,
    Worker: PthreadWorker,
  });

  const terminateAll = () => {
    for (const w of workers) void w.terminate();
    workers.clear();
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  let module: EmscriptenModule;
  try {
    module = await new Promise<EmscriptenModule>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `threaded wasm backend: module/workers did not start within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      const config: EmscriptenModule = {
        wasmBinary: fs.readFileSync(wasm),
        mainScriptUrlOrBlob: script,
        locateFile: (file: string, prefix: string) =>
          file.endsWith(".wasm") ? wasm : path.join(prefix, file),
        onAbort: (what: unknown) =>
          reject(new Error(`threaded wasm backend aborted during init: ${String(what)}`)),
      };
      factory(config).then(
        resolve,
        (e) => reject(new Error(`threaded wasm backend failed to start: ${errorText(e)}`)),
      );
    });
  } catch (e) {
    terminateAll();
    throw e;
  } finally {
    clearTimeout(timer);
  }

  // Same C entry points tfjs's own init() binds.
  module.tfjs = {
    init: module.cwrap("init", null, []),
    initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: module.cwrap("get_threads_count", "number", []),
    registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: module.cwrap("dispose_data", null, ["number"]),
    dispose: module.cwrap("dispose", null, []),
  };

  setThreadsCount(threads);
  tf.removeBackend("wasm"); // drops the single-threaded factory (never instantiated)
  // deno-lint-ignore no-explicit-any
  tf.registerBackend("wasm", () => new BackendWasm(module as any), 2);
  let ok = false;
  try {
    ok = await tf.setBackend("wasm");
  } catch (e) {
    terminateAll();
    throw new Error(`threaded wasm backend: tf.setBackend('wasm') failed: ${errorText(e)}`);
  }
  if (!ok) {
    terminateAll();
    throw new Error("threaded wasm backend: tf.setBackend('wasm') returned false");
  }
  const actual = getThreadsCount();
  const report: WasmThreadsReport = {
    threads: actual,
    detail: `threaded SIMD wasm (${path.basename(wasm)}), XNNPACK pool of ${actual} ` +
      `thread(s) (the main thread + ${actual - 1} worker thread(s)); ${workers.size} ` +
      `node:worker_threads Worker(s) spawned, unref'd` +
      (poolPatched ? "" : " (8 pre-spawned: pool-size patch not applied)"),
  };
  active = { module, workers, report };
  if (actual !== threads) {
    throw new Error(
      `threaded wasm backend: asked for ${threads} threads, the wasm module reports ${actual}`,
    );
  }
  return report;
}

/**
 * Removes the threaded `wasm` backend and terminates its worker threads. Not needed for
 * a clean exit (the workers never keep the process alive); useful in tests and
 * long-running processes that want the memory back. Afterwards `initWasmThreaded` can
 * be called again; tfjs's single-threaded `wasm` factory is not restored.
 */
export async function shutdownWasmThreads(): Promise<void> {
  if (active == null) return;
  const { workers } = active;
  active = null;
  if (tf.findBackend("wasm") != null || tf.engine().registryFactory["wasm"] != null) {
    tf.removeBackend("wasm");
  }
  await Promise.all([...workers].map((w) => w.terminate()));
  workers.clear();
}

/** The worker threads of the active threaded backend (0 when inactive). */
export function wasmWorkerCount(): number {
  return active?.workers.size ?? 0;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e != null && typeof e === "object" && "message" in e) return String(e.message);
  return String(e);
}
