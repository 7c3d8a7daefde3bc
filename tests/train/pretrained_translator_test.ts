import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  defaultCycleConfig,
  exportTranslator,
  initBackend,
  listPretrained,
  openPretrained,
  openTranslator,
  OptionError,
  RunDir,
  runTranslator,
  trainCycleRun,
  TRANSLATOR_FORMAT,
} from "../../lib/mod.ts";
import { loadTinyDataset } from "../_support/tiny_dataset.ts";

await initBackend({ backend: "wasm" });
const { train, test } = await loadTinyDataset({ trainCount: 80, testCount: 40 });

/** A finished tiny sneaker <-> ankle boot run (4 steps). */
async function tinyRun(): Promise<RunDir> {
  const dir = path.join(fs.mkdtempSync("/tmp/pair-"), "run");
  const c = defaultCycleConfig(7, 9);
  const config = {
    ...c,
    batchSize: 2,
    epochs: 1,
    model: { ...c.model, ngf: 4, ndf: 4, resBlocks: 1 },
  };
  await trainCycleRun({ outDir: dir, config, train, test });
  return new RunDir(dir);
}

Deno.test("a shipped pair translates as its run does, and lives beside the generators unlisted by them", async () => {
  const run = await tinyRun();
  const root = fs.mkdtempSync("/tmp/pairs-");
  const manifest = await exportTranslator(run, { name: "sneaker-boot", label: "test", root });
  assert.deepEqual([manifest.from, manifest.to, manifest.steps], [7, 9, 4]);
  assert.deepEqual(listPretrained(root), []);
  assert.deepEqual(listPretrained(root, TRANSLATOR_FORMAT), ["sneaker-boot"]);
  const { translator } = openTranslator("sneaker-boot", root);
  const original = runTranslator(run);
  const images = Float32Array.from(test.images.subarray(7 * 784, 8 * 784), (v) => v / 255);
  for (const d of ["AB", "BA"] as const) {
    const [a, b] = [await translator.translate(images, d), await original.translate(images, d)];
    const diff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    assert.ok(diff < 0.01, `${d}: float16 weights moved pixels by ${diff}`);
  }
  translator.dispose();
  original.dispose();
  // a pair is not a generator, nor a generator a pair; a tampered file is refused
  assert.throws(
    () => openPretrained("sneaker-boot", root),
    /is a translation pair, not a generator/,
  );
  assert.throws(() => openTranslator("nope", root), OptionError);
  fs.appendFileSync(path.join(root, "sneaker-boot", "translator.ckpt"), "x");
  assert.throws(() => openTranslator("sneaker-boot", root), /SHA-256 .* does not match/);
});
