import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import {
  encodeIdx,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  maybeGunzip,
  parseIdx,
} from "../../lib/mod.ts";

Deno.test("an encoded IDX file parses back to its dimensions and data", () => {
  const data = Uint8Array.from({ length: 2 * 28 * 28 }, (_, i) => i % 251);
  const parsed = parseIdx(encodeIdx([2, 28, 28], data), IDX_IMAGES_MAGIC, "x");
  assert.deepEqual(parsed.dims, [2, 28, 28]);
  assert.deepEqual(parsed.data, data);
});

Deno.test("a labels file has magic 0x801 and one dimension", () => {
  const parsed = parseIdx(encodeIdx([3], Uint8Array.of(1, 2, 3)), IDX_LABELS_MAGIC, "y");
  assert.deepEqual(parsed.dims, [3]);
  assert.deepEqual([...parsed.data], [1, 2, 3]);
});

Deno.test("a wrong magic number names the file and both magics", () => {
  assert.throws(
    () => parseIdx(encodeIdx([3], Uint8Array.of(1, 2, 3)), IDX_IMAGES_MAGIC, "labels.idx"),
    /labels\.idx: wrong IDX magic number 0x00000801, expected 0x00000803/,
  );
});

Deno.test("a file shorter than its header says is reported as truncated", () => {
  const full = encodeIdx([2, 28, 28], new Uint8Array(2 * 784));
  assert.throws(
    () => parseIdx(full.subarray(0, full.length - 10), IDX_IMAGES_MAGIC, "img"),
    /img: header promises 2x28x28 = 1568 bytes of data, found 1558 \(file truncated\?\)/,
  );
});

Deno.test("a file too short for a header is rejected", () => {
  assert.throws(
    () => parseIdx(Uint8Array.of(0, 0), IDX_IMAGES_MAGIC, "tiny"),
    /tiny: file is 2 bytes/,
  );
});

Deno.test("gzip data is decompressed and plain data passes through", () => {
  const raw = encodeIdx([1], Uint8Array.of(9));
  assert.deepEqual(maybeGunzip(new Uint8Array(gzipSync(raw)), "a.gz"), raw);
  assert.deepEqual(maybeGunzip(raw, "a"), raw);
});

Deno.test("truncated gzip data names the file", () => {
  const gz = new Uint8Array(gzipSync(new Uint8Array(5000).fill(3)));
  assert.throws(
    () => maybeGunzip(gz.subarray(0, gz.length / 2), "t.gz"),
    /t\.gz: truncated or corrupt gzip/,
  );
});
