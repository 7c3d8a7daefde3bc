import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { initBackend, loadCheckpoint, saveCheckpoint } from "../../lib/mod.ts";

await initBackend({ backend: "cpu" });

function tmpFile(): string {
  return `${fs.mkdtempSync("/tmp/ckpt-")}/c.ckpt`;
}

Deno.test("a checkpoint round-trips its metadata and tensors exactly", async () => {
  const file = tmpFile();
  const a = tf.tensor2d([[1.5, -2], [3, 4e-7]]), b = tf.tensor1d([7]);
  await saveCheckpoint(
    file,
    { step: 3, note: "x" },
    new Map<string, tf.Tensor>([["a", a], ["b", b]]),
  );
  const ck = loadCheckpoint<{ step: number; note: string }>(file);
  assert.deepEqual(ck.meta, { step: 3, note: "x" });
  assert.deepEqual(ck.tensors.get("a")!.shape, [2, 2]);
  assert.deepEqual([...ck.tensors.get("a")!.data], [...a.dataSync()]);
  assert.deepEqual([...ck.tensors.get("b")!.data], [7]);
  tf.dispose([a, b]);
});

Deno.test("saving replaces the file atomically and leaves no temporary file", async () => {
  const file = tmpFile();
  const t = tf.scalar(1);
  await saveCheckpoint(file, { v: 1 }, new Map([["t", t]]));
  await saveCheckpoint(file, { v: 2 }, new Map([["t", t]]));
  assert.deepEqual(fs.readdirSync(file.replace(/\/c\.ckpt$/, "")), ["c.ckpt"]);
  assert.equal(loadCheckpoint<{ v: number }>(file).meta.v, 2);
  t.dispose();
});

Deno.test("a truncated checkpoint is rejected with its file name", async () => {
  const file = tmpFile();
  const t = tf.ones([100]);
  await saveCheckpoint(file, {}, new Map([["t", t]]));
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 10));
  assert.throws(
    () => loadCheckpoint(file),
    new RegExp(
      `${file}: not a valid checkpoint: payload is \\d+ bytes, header says 400 \\(truncated\\?\\)`,
    ),
  );
  t.dispose();
});

Deno.test("a corrupted payload fails its checksum", async () => {
  const file = tmpFile();
  const t = tf.ones([100]);
  await saveCheckpoint(file, {}, new Map([["t", t]]));
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 3] ^= 0xff;
  fs.writeFileSync(file, bytes);
  assert.throws(() => loadCheckpoint(file), /payload checksum mismatch/);
  t.dispose();
});

Deno.test("a file of another format is rejected", () => {
  const file = tmpFile();
  fs.writeFileSync(file, "hello, this is not a checkpoint");
  assert.throws(
    () => loadCheckpoint(file),
    /not a valid checkpoint: it does not start with FGANCKPT/,
  );
  assert.throws(
    () => loadCheckpoint("/nonexistent/c.ckpt"),
    /\/nonexistent\/c\.ckpt: cannot read checkpoint/,
  );
});

Deno.test("a float16 checkpoint is half the payload and loads as float32 within half precision", async () => {
  const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 0.05);
  const t = tf.tensor1d(values);
  const full = tmpFile(), half = tmpFile();
  await saveCheckpoint(full, { step: 1 }, new Map([["w", t]]));
  await saveCheckpoint(half, { step: 1 }, new Map([["w", t]]), { float16: true });
  t.dispose();
  const header = (file: string) => fs.statSync(file).size;
  assert.ok(header(full) - header(half) > 1900, `${header(full)} vs ${header(half)} bytes`);
  const back = loadCheckpoint<{ step: number }>(half).tensors.get("w")!.data;
  assert.ok(back instanceof Float32Array);
  for (let i = 0; i < values.length; i++) {
    assert.ok(Math.abs(back[i] - values[i]) <= Math.abs(values[i]) * 2 ** -11 + 1e-7, `${i}`);
  }
  assert.deepEqual(loadCheckpoint(full).tensors.get("w")!.data, values, "float32 stays exact");
});
