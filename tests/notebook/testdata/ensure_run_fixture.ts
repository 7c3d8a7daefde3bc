/**
 * A notebook's training cell in a process of its own, for the test that kills it mid-run:
 * `deno run -A ensure_run_fixture.ts DIR` trains the tiny run of notebook_test.ts into DIR.
 */
import { ensureRun, initBackend } from "../../../lib/mod.ts";
import { killTestConfig } from "../../_support/small_config.ts";
import { loadTinyDataset } from "../../_support/tiny_dataset.ts";

await initBackend({ backend: "wasm", threads: 1 });
const data = await loadTinyDataset({ trainCount: 40 });
await ensureRun({ dir: Deno.args[0], config: killTestConfig(), train: data.train });
