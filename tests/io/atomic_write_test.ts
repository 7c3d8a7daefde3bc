import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readJsonLines, writeFileAtomic, writeJsonAtomic, writeJsonLines } from "../../lib/mod.ts";

const tmpDir = () => fs.mkdtempSync("/tmp/atomic-");

Deno.test("an atomic write creates the directory and leaves no temporary file", () => {
  const dir = tmpDir(), file = path.join(dir, "a", "b", "x.bin");
  writeFileAtomic(file, [new Uint8Array([1, 2]), new Uint8Array([3])]);
  assert.deepEqual([...fs.readFileSync(file)], [1, 2, 3]);
  writeFileAtomic(file, "text");
  assert.equal(fs.readFileSync(file, "utf8"), "text");
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ["x.bin"]);
});

Deno.test("a write whose check fails leaves the previous file intact and no temporary file", () => {
  const dir = tmpDir(), file = path.join(dir, "x.json");
  writeJsonAtomic(file, { v: 1 });
  assert.throws(
    () =>
      writeFileAtomic(file, "broken", {
        beforeRename(tmp) {
          assert.equal(fs.readFileSync(tmp, "utf8"), "broken");
          throw new Error("check failed");
        },
      }),
    /check failed/,
  );
  assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { v: 1 });
  assert.deepEqual(fs.readdirSync(dir), ["x.json"]);
});

Deno.test("JSON lines are rewritten atomically and read back in order", () => {
  const file = path.join(tmpDir(), "log.jsonl");
  assert.deepEqual(readJsonLines(file), []);
  writeJsonLines(file, [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(readJsonLines(file), [{ a: 1 }, { a: 2 }]);
  fs.appendFileSync(file, "{oops\n");
  assert.throws(() => readJsonLines(file), /log\.jsonl: line 3 is not valid JSON/);
});
