/**
 * Runs the Emscripten glue script of the threaded tfjs wasm build
 * (`wasm-out/tfjs-backend-wasm-threaded-simd.js`) inside a private scope.
 *
 * The glue script detects Node.js (Deno has a global `process`) and then writes to
 * globals: `global.Worker = require("worker_threads").Worker`, process-wide
 * `uncaughtException` / `unhandledRejection` listeners, and it reads the core count
 * from `require("os")`. Evaluating it with `new Function` whose parameters shadow
 * `require`, `process`, `global`, `Worker`, `postMessage`, `startWorker`, ... sends
 * every one of those reads and writes to objects owned by this module instead of the
 * real globals, so nothing leaks into user code and no global is patched, even
 * temporarily.
 *
 * Used both on the main thread ({@link ./wasm_threads.ts}) and in every pthread
 * worker ({@link ./pthread_worker.ts}).
 *
 * @module
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import { performance } from "node:perf_hooks";
import process from "node:process";

/** Name of the Emscripten module factory defined by the glue script. */
export const FACTORY_NAME = "WasmBackendModuleThreadedSimd";

/** The Emscripten module factory: takes a config object, resolves to the module. */
// deno-lint-ignore no-explicit-any
export type EmscriptenFactory = (config: Record<string, any>) => Promise<any>;

/** What the scoped environment hands to the glue script in place of Node globals. */
export interface ScopeOptions {
  /** Absolute path of the glue script (its `__filename`). */
  scriptPath: string;
  /**
   * What `require("os").cpus().length` reports. tfjs caps the XNNPACK thread count at
   * half of it (it assumes 2 hyper-threads per core), so pass `2 * threads`.
   */
  logicalCores: number;
  /** Constructor used for `new Worker(...)` (main thread only). */
  Worker?: unknown;
  /** Sends a message to the main thread (pthread workers only). */
  postMessage?: (msg: unknown, transfer?: unknown[]) => void;
  /** Called by the glue script when a pthread worker is ready (workers only). */
  startWorker?: (module: unknown) => void;
}

/**
 * Evaluates the glue script's source in a private scope and returns its factory.
 * `source` is the text of `tfjs-backend-wasm-threaded-simd.js`.
 */
export function evaluateFactory(source: string, options: ScopeOptions): EmscriptenFactory {
  const noWorker = function () {
    throw new Error("tfjs wasm threads: unexpected Worker creation in this scope");
  };
  const WorkerCtor = options.Worker ?? noWorker;
  const fakeOs = {
    cpus: () => Array.from({ length: options.logicalCores }, () => ({})),
  };
  const fakeWorkerThreads = { Worker: WorkerCtor };
  const scopedRequire = (name: string): unknown => {
    switch (name.replace(/^node:/, "")) {
      case "fs":
        return fs;
      case "path":
        return nodePath;
      case "os":
        return fakeOs;
      case "worker_threads":
        return fakeWorkerThreads;
      case "perf_hooks":
        return { performance };
      default:
        throw new Error(`tfjs wasm threads: the glue script required '${name}'`);
    }
  };
  // The subset of `process` the glue script touches. `on` / `listeners` /
  // `removeListener` are inert so no process-wide handler is installed; `exit` throws
  // instead of ending the user's program.
  const scopedProcess = {
    versions: { node: process.versions.node },
    argv: [] as string[],
    env: {},
    exitCode: undefined as number | undefined,
    hrtime: process.hrtime,
    on() {
      return scopedProcess;
    },
    listeners() {
      return [];
    },
    removeListener() {
      return scopedProcess;
    },
    exit(code?: number): never {
      throw new Error(`tfjs wasm threads: the wasm runtime requested exit(${code})`);
    },
  };
  // Receives `global.Worker = ...` and similar writes.
  const scopedGlobal: Record<string, unknown> = {};
  const scopedModule: { exports: unknown } = { exports: {} };
  const params = [
    "require",
    "process",
    "global",
    "Worker",
    "__filename",
    "__dirname",
    "module",
    "exports",
    "postMessage",
    "startWorker",
    "importScripts",
    "define",
  ];
  const body = `${source}\n;return ${FACTORY_NAME};\n//# sourceURL=${
    encodeURI("file://" + options.scriptPath)
  }`;
  const run = new Function(...params, body);
  const factory = run(
    scopedRequire,
    scopedProcess,
    scopedGlobal,
    WorkerCtor,
    options.scriptPath,
    nodePath.dirname(options.scriptPath),
    scopedModule,
    scopedModule.exports,
    options.postMessage ?? noPostMessage,
    options.startWorker ?? noStartWorker,
    undefined,
    undefined,
  );
  if (typeof factory !== "function") {
    throw new Error(
      `tfjs wasm threads: ${options.scriptPath} did not define ${FACTORY_NAME}`,
    );
  }
  return factory as EmscriptenFactory;
}

function noPostMessage(): void {
  throw new Error("tfjs wasm threads: postMessage called on the main thread");
}

function noStartWorker(): void {
  throw new Error("tfjs wasm threads: startWorker called on the main thread");
}

/** Reads a file as UTF-8 text (kept here so both threads use the same reader). */
export function readText(file: string): string {
  return fs.readFileSync(file, "utf8");
}
