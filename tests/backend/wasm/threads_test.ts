/**
 * Runs the threaded-wasm suite (`threads_suite.ts`) in its own `deno test` process: the
 * threaded backend must be the first wasm backend of a process, and the other test files of
 * this run start the single-threaded one.
 */
import assert from "node:assert/strict";

Deno.test("the threaded wasm suite passes in a process of its own", async () => {
  const suite = new URL("./threads_suite.ts", import.meta.url).pathname;
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--allow-all", "--quiet", suite],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
  assert.equal(res.code, 0, out);
  assert.match(out, /ok \| \d+ passed \| 0 failed/);
});
