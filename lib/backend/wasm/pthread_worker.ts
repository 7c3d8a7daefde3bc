/**
 * Entry point of one pthread of the threaded tfjs wasm build, run as a
 * `node:worker_threads` Worker by {@link ./wasm_threads.ts}.
 *
 * It replaces the `.worker.js` shipped with tfjs-backend-wasm, which Deno cannot use:
 * tfjs hands it over as a `blob:` URL and, in Node mode, the script relies on CommonJS
 * `require`/`__filename` and `importScripts`. This module speaks the same message
 * protocol with the Emscripten runtime on the main thread (`load`, `run`,
 * `processProxyingQueue`, `cancel` in; `loaded`, `callHandler`, ... out).
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { evaluateFactory, readText } from "./emscripten_scope.ts";

/** Data the main thread passes in `workerData`. */
export interface PthreadWorkerData {
  /** Absolute path of `tfjs-backend-wasm-threaded-simd.js`. */
  scriptPath: string;
  /** Core count the glue script should see (see `ScopeOptions.logicalCores`). */
  logicalCores: number;
}

// deno-lint-ignore no-explicit-any
type Msg = Record<string, any>;

const port = parentPort;
if (port == null) {
  throw new Error("pthread_worker.ts must run as a node:worker_threads Worker");
}
const config = workerData as PthreadWorkerData;

// The Emscripten module of this thread; replaced by the instance on startWorker().
// deno-lint-ignore no-explicit-any
let mod: Record<string, any> = {};
let runtimeReady = false;
let pendingQueues: number[] = [];

function post(msg: unknown, transfer?: unknown[]): void {
  // deno-lint-ignore no-explicit-any
  port!.postMessage(msg, transfer as any);
}

function load(d: Msg): void {
  mod.wasmModule = d.wasmModule;
  mod.wasmMemory = d.wasmMemory;
  mod.buffer = d.wasmMemory.buffer;
  mod.ENVIRONMENT_IS_PTHREAD = true;
  // Instantiate synchronously from the compiled module the main thread sent, on the
  // shared memory (part of `info.env`).
  mod.instantiateWasm = (
    info: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance) => void,
  ) => {
    const instance = new WebAssembly.Instance(mod.wasmModule, info);
    receive(instance);
    mod.wasmModule = null;
    return instance.exports;
  };
  for (const handler of d.handlers as string[]) {
    mod[handler] = (...args: unknown[]) => post({ cmd: "callHandler", handler, args });
  }
  const scriptPath = typeof d.urlOrBlob === "string" ? d.urlOrBlob : config.scriptPath;
  const factory = evaluateFactory(readText(scriptPath), {
    scriptPath,
    logicalCores: config.logicalCores,
    postMessage: post,
    startWorker: (instance) => {
      // deno-lint-ignore no-explicit-any
      mod = instance as Record<string, any>;
      post({ cmd: "loaded" });
    },
  });
  factory(mod);
}

function run(d: Msg): void {
  mod.__emscripten_thread_init(d.pthread_ptr, 0, 0, 1);
  mod.establishStackSpace();
  mod.PThread.receiveObjectTransfer(d);
  mod.PThread.threadInitTLS();
  if (!runtimeReady) {
    for (const queue of pendingQueues) mod.executeNotifiedProxyingQueue(queue);
    pendingQueues = [];
    runtimeReady = true;
  }
  try {
    // For XNNPACK's pool this call never returns: the thread loops, waiting on a futex.
    mod.invokeEntryPoint(d.start_routine, d.arg);
  } catch (e) {
    if (e === "unwind") return;
    if (e instanceof mod.ExitStatus) {
      if (!mod.keepRuntimeAlive()) mod.__emscripten_thread_exit((e as { status: number }).status);
      return;
    }
    throw e;
  }
}

port.on("message", (d: Msg) => {
  try {
    switch (d.cmd) {
      case "load":
        load(d);
        break;
      case "run":
        run(d);
        break;
      case "cancel":
        if (mod._pthread_self()) mod.__emscripten_thread_exit(-1);
        break;
      case "processProxyingQueue":
        if (runtimeReady) mod.executeNotifiedProxyingQueue(d.queue);
        else pendingQueues.push(d.queue);
        break;
      default:
        if (d.target === "setimmediate") break;
        console.error(`tfjs wasm pthread: unknown message ${JSON.stringify(d.cmd)}`);
    }
  } catch (e) {
    if (typeof mod.__emscripten_thread_crashed === "function") mod.__emscripten_thread_crashed();
    throw e;
  }
});
