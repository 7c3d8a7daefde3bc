import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { batches, batchesPerEpoch, disposeBatch, epochOrder, initBackend } from "../../lib/mod.ts";
import { loadTinyDataset, tinyPixel } from "../_support/tiny_dataset.ts";

await initBackend({ backend: "cpu" });
const ds = await loadTinyDataset({ trainCount: 70 });

Deno.test("batches have shape [b, 28, 28, 1] and int32 labels", () => {
  const all = [...batches(ds.train, { batchSize: 32 })];
  assert.deepEqual(all.map((b) => b.images.shape), [[32, 28, 28, 1], [32, 28, 28, 1], [
    6,
    28,
    28,
    1,
  ]]);
  assert.deepEqual(all.map((b) => b.labels.shape), [[32], [32], [6]]);
  assert.deepEqual(all[0].labels.dtype, "int32");
  all.forEach(disposeBatch);
});

Deno.test("pixels are scaled to [-1, 1] as x / 127.5 - 1", () => {
  const [b] = [...batches(ds.train, { batchSize: 70, shuffle: false })];
  const x = b.images.dataSync();
  assert.equal(x[0], Math.fround(tinyPixel(0, 0) / 127.5 - 1));
  assert.equal(x[784 * 2 + 10], Math.fround(tinyPixel(2, 10) / 127.5 - 1));
  assert.ok(x.every((v) => v >= -1 && v <= 1));
  disposeBatch(b);
});

Deno.test("dropLast drops the short final batch", () => {
  assert.deepEqual(batchesPerEpoch(70, 32, true), 2);
  assert.deepEqual(batchesPerEpoch(70, 32, false), 3);
  const all = [...batches(ds.train, { batchSize: 32, dropLast: true })];
  assert.deepEqual(all.length, 2);
  all.forEach(disposeBatch);
});

Deno.test("the same seed and epoch give the same order; another epoch reshuffles", () => {
  assert.deepEqual(epochOrder(70, 1, 0, true), epochOrder(70, 1, 0, true));
  assert.notDeepEqual(epochOrder(70, 1, 0, true), epochOrder(70, 1, 1, true));
  assert.notDeepEqual(epochOrder(70, 1, 0, true), epochOrder(70, 2, 0, true));
  assert.deepEqual([...epochOrder(5, 1, 0, false)], [0, 1, 2, 3, 4]);
});

Deno.test("labels follow the images through the shuffle", () => {
  for (const b of batches(ds.train, { batchSize: 16, seed: 3 })) {
    const x = b.images.dataSync(), y = b.labels.dataSync();
    for (let i = 0; i < b.size; i++) {
      // example k has pixel 0 = 7k mod 256 (183 is 7's inverse mod 256) and label k mod 10
      const k = (Math.round((x[i * 784] + 1) * 127.5) * 183) % 256;
      assert.deepEqual(y[i], k % 10);
    }
    disposeBatch(b);
  }
});

Deno.test("startBatch resumes an epoch at the same batch", () => {
  const full = [...batches(ds.train, { batchSize: 16, seed: 9 })];
  const tail = [...batches(ds.train, { batchSize: 16, seed: 9, startBatch: 2 })];
  assert.deepEqual(tail.map((b) => b.index), [2, 3, 4]);
  assert.deepEqual(tail[0].labels.dataSync(), full[2].labels.dataSync());
  [...full, ...tail].forEach(disposeBatch);
});

Deno.test("the iterator keeps no tensors of its own", () => {
  const before = tf.memory().numTensors;
  for (const b of batches(ds.train, { batchSize: 16 })) disposeBatch(b);
  assert.deepEqual(tf.memory().numTensors, before);
});

Deno.test("a bad batch size is a clear error", () => {
  assert.throws(
    () => [...batches(ds.train, { batchSize: 0 })],
    /batchSize must be a positive integer, got 0/,
  );
});
