import assert from "node:assert/strict";
import { initBackend } from "../../lib/mod.ts";

Deno.test("asking for threads after a single-threaded wasm start says which count is in use", async () => {
  await initBackend({ backend: "wasm", threads: 1 });
  const report = await initBackend({ backend: "wasm", threads: 2 });
  assert.equal(report.threads, 1);
  assert.match(report.detail, /asked for 2; the wasm backend of this process was started with 1/);
});

Deno.test("a thread count outside 1..8 is a clear error", async () => {
  await assert.rejects(
    () => initBackend({ backend: "wasm", threads: 9 }),
    /threads must be an integer in 1\.\.8, got 9/,
  );
});
