/**
 * Tests of the threaded wasm backend. Run: `deno test -A wasm_threads_test.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import process from "node:process";
import { assert, assertEquals, assertLess } from "./testdata/assert.ts";
import {
  initWasmThreaded,
  MAX_WASM_THREADS,
  threadedWasmUnavailableReason,
  wasmWorkerCount,
} from "../../../lib/backend/wasm/threads.ts";

const THREADS = 2;
// Worker threads stay alive (unref'd) between tests, so the op/resource sanitizers
// would report them as leaks.
const opts = { sanitizeOps: false, sanitizeResources: false };

const globalsBefore = {
  Worker: globalThis.Worker,
  uncaught: process.listeners("uncaughtException").length,
  unhandled: process.listeners("unhandledRejection").length,
};

let started: Promise<{ threads: number; detail: string }> | null = null;
function start() {
  started ??= initWasmThreaded({ threads: THREADS });
  return started;
}

/** Deterministic pseudo-random values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Runs `f` on the wasm backend and on the cpu backend, returns both results. */
async function onBothBackends(
  f: () => tf.Tensor,
): Promise<{ wasm: Float32Array; cpu: Float32Array }> {
  await tf.setBackend("wasm");
  const w = f();
  const wasm = (await w.data()) as Float32Array;
  w.dispose();
  await tf.setBackend("cpu");
  const c = f();
  const cpu = (await c.data()) as Float32Array;
  c.dispose();
  await tf.setBackend("wasm");
  return { wasm, cpu };
}

function assertClose(actual: Float32Array, expected: Float32Array, rtol = 1e-4): void {
  assertEquals(actual.length, expected.length);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  const limit = rtol * Math.max(1, scale);
  assert(worst <= limit, `max abs diff ${worst} > ${limit} (scale ${scale})`);
}

Deno.test("this runtime supports the threaded SIMD wasm build", () => {
  assertEquals(threadedWasmUnavailableReason(), null);
});

Deno.test({
  name: "the threaded backend reports the thread count it was asked for",
  ...opts,
  fn: async () => {
    const report = await start();
    assertEquals(report.threads, THREADS);
    assertEquals(getThreadsCount(), THREADS);
    assertEquals(tf.getBackend(), "wasm");
    assertEquals(wasmWorkerCount(), THREADS - 1);
    assert(report.detail.includes("threaded"), report.detail);
  },
});

Deno.test({
  name: "initializing the threaded backend changes no global of user code",
  ...opts,
  fn: async () => {
    await start();
    assert(globalThis.Worker === globalsBefore.Worker, "globalThis.Worker was replaced");
    assertEquals(process.listeners("uncaughtException").length, globalsBefore.uncaught);
    assertEquals(process.listeners("unhandledRejection").length, globalsBefore.unhandled);
  },
});

Deno.test({
  name: "conv2d on the threaded backend equals the cpu backend",
  ...opts,
  fn: async () => {
    await start();
    const x = values(8 * 14 * 14 * 64, 1);
    const w = values(4 * 4 * 64 * 128, 2);
    const { wasm, cpu } = await onBothBackends(() =>
      tf.tidy(() =>
        tf.conv2d(tf.tensor4d(x, [8, 14, 14, 64]), tf.tensor4d(w, [4, 4, 64, 128]), 2, 1)
      )
    );
    assertEquals(wasm.length, 8 * 7 * 7 * 128);
    assertClose(wasm, cpu);
  },
});

Deno.test({
  name: "conv2dTranspose on the threaded backend equals the cpu backend",
  ...opts,
  fn: async () => {
    await start();
    const x = values(4 * 14 * 14 * 128, 3);
    const w = values(4 * 4 * 64 * 128, 4);
    const { wasm, cpu } = await onBothBackends(() =>
      tf.tidy(() =>
        tf.conv2dTranspose(
          tf.tensor4d(x, [4, 14, 14, 128]),
          tf.tensor4d(w, [4, 4, 64, 128]),
          [4, 28, 28, 64],
          2,
          1,
        )
      )
    );
    assertClose(wasm, cpu);
  },
});

Deno.test({
  name: "matMul on the threaded backend equals the cpu backend",
  ...opts,
  fn: async () => {
    await start();
    const a = values(64 * 784, 5);
    const b = values(784 * 1024, 6);
    const { wasm, cpu } = await onBothBackends(() =>
      tf.tidy(() => tf.matMul(tf.tensor2d(a, [64, 784]), tf.tensor2d(b, [784, 1024])))
    );
    assertClose(wasm, cpu);
  },
});

Deno.test({
  name: "the shared wasm memory grows past its initial 16 MB and threaded ops still agree",
  ...opts,
  fn: async () => {
    await start();
    const a = values(128 * 512, 7);
    const b = values(512 * 256, 8);
    const product = () =>
      tf.tidy(() => tf.matMul(tf.tensor2d(a, [128, 512]), tf.tensor2d(b, [512, 256])));
    const before = product();
    const expected = (await before.data()) as Float32Array;
    before.dispose();
    // 256 MB: forces memory.grow on the shared memory the worker threads also use.
    const big = tf.fill([64 * 1024 * 1024], 3);
    const tail = await big.slice([64 * 1024 * 1024 - 4], [4]).data();
    assertEquals([...tail], [3, 3, 3, 3]);
    const after = product();
    assertClose((await after.data()) as Float32Array, expected, 0);
    tf.dispose([after, big]);
  },
});

Deno.test({
  name: "a second initialization with another thread count is refused",
  ...opts,
  fn: async () => {
    await start();
    let message = "";
    await initWasmThreaded({ threads: 1 }).catch((e) => (message = String(e)));
    assert(message.includes("already active"), message);
    // The same count is fine and returns the same report.
    assertEquals((await initWasmThreaded({ threads: THREADS })).threads, THREADS);
  },
});

Deno.test("a thread count outside 1..8 is rejected with a RangeError", async () => {
  for (const threads of [0, MAX_WASM_THREADS + 1, 1.5]) {
    let error: unknown;
    await initWasmThreaded({ threads }).catch((e) => (error = e));
    assert(error instanceof RangeError, `threads=${threads}: ${error}`);
  }
});

Deno.test("a script that uses the threaded backend exits by itself", async () => {
  const fixture = new URL("./testdata/exit_fixture.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fixture, String(THREADS)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Kill it if it hangs, so a regression fails instead of blocking the test run.
  let killed = false;
  const killer = setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, 60_000);
  const out = await child.output();
  const exitedAt = Date.now();
  clearTimeout(killer);
  const stdout = new TextDecoder().decode(out.stdout).trim();
  const stderr = new TextDecoder().decode(out.stderr);
  assert(!killed, `the script hung (killed after 60 s); stdout: ${stdout}`);
  assertEquals(out.code, 0, stderr);
  const result = JSON.parse(stdout.split("\n").pop()!);
  assertEquals(result.threads, THREADS);
  // conv2d "same" 3x3 on ones: 22 valid taps per row/column sum (3 * 8 - 2).
  assertEquals(result.sum, 2 * 8 * 4 * 22 * 22 + 16 * 8 * 32);
  assertEquals(result.globalsUnchanged, true);
  assertLess(exitedAt - result.endedAt, 3000, "exit took more than 3 s after the script ended");
});
