import assert from "node:assert/strict";
import { OptionError } from "../lib/mod.ts";

Deno.test("an option error names options as the library spells them, and renders them as asked", () => {
  const err = new OptionError(
    "runs/x already holds a run; pass {resume}, or choose another {outDir}",
  );
  assert.equal(err.message, "runs/x already holds a run; pass resume, or choose another outDir");
  assert.deepEqual(err.options, ["resume", "outDir"]);
  const flags: Record<string, string> = { resume: "--resume", outDir: "--out" };
  assert.equal(
    err.render((o) => flags[o]),
    "runs/x already holds a run; pass --resume, or choose another --out",
  );
  assert.ok(err instanceof Error);
  assert.equal(err.name, "OptionError");
});
