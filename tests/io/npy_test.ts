import assert from "node:assert/strict";
import { decodeNpy, encodeNpy, npyImages } from "../../lib/mod.ts";

Deno.test("a float32 array round-trips through .npy with a 64-byte aligned header", () => {
  const data = Float32Array.from({ length: 2 * 28 * 28 }, (_, i) => i / 1000);
  const bytes = encodeNpy(data, [2, 28, 28]);
  const headerEnd = bytes.length - data.byteLength;
  assert.equal(headerEnd % 64, 0);
  assert.match(
    new TextDecoder().decode(bytes.subarray(10, headerEnd)),
    /'descr': '<f4', 'fortran_order': False, 'shape': \(2, 28, 28\)/,
  );
  const back = decodeNpy(bytes, "x.npy");
  assert.deepEqual(back.shape, [2, 28, 28]);
  assert.deepEqual(back.data, data);
});

Deno.test("malformed .npy files are clear errors", () => {
  assert.throws(
    () => decodeNpy(new Uint8Array(20), "a.npy"),
    /a\.npy: not a readable \.npy file: missing the \\x93NUMPY magic/,
  );
  const ok = encodeNpy(new Float32Array(4), [4]);
  assert.throws(
    () => decodeNpy(ok.subarray(0, ok.length - 1), "b.npy"),
    /b\.npy: .*shape \[4\] needs 16 data bytes, found 15/,
  );
  const f8 = ok.slice();
  f8[new TextDecoder("latin1").decode(ok).indexOf("<f4") + 2] = "8".charCodeAt(0); // '<f4' -> '<f8'
  assert.throws(() => decodeNpy(f8, "c.npy"), /dtype '<f8' is not supported/);
});

Deno.test("npy images accept float32 in [0, 1] and uint8, in the usual image shapes", () => {
  const f = decodeNpy(encodeNpy(new Float32Array(2 * 784).fill(0.25), [2, 28, 28]), "f.npy");
  assert.equal(npyImages(f, "f.npy")[0], 0.25);
  const flat = decodeNpy(encodeNpy(new Float32Array(2 * 784), [2, 784]), "g.npy");
  assert.equal(npyImages(flat, "g.npy").length, 2 * 784);
  const u8 = { dtype: "|u1" as const, shape: [1, 28, 28, 1], data: new Uint8Array(784).fill(255) };
  assert.equal(npyImages(u8, "u.npy")[783], 1);
});

Deno.test("npy images with another shape or a [-1, 1] range are clear errors", () => {
  const wrongShape = decodeNpy(encodeNpy(new Float32Array(2 * 32 * 32), [2, 32, 32]), "s.npy");
  assert.throws(
    () => npyImages(wrongShape, "s.npy"),
    /s\.npy: shape \[2,32,32\] is not a stack of 28x28 images/,
  );
  const signed = decodeNpy(encodeNpy(new Float32Array(784).fill(-1), [1, 28, 28]), "r.npy");
  assert.throws(
    () => npyImages(signed, "r.npy"),
    /r\.npy: float32 values must lie in \[0, 1\], found -1\.000\.\.-1\.000 \(images in \[-1, 1\]\?/,
  );
});

Deno.test("a uint8 array round-trips through .npy as |u1 and reads as images in [0, 1]", () => {
  const data = Uint8Array.from({ length: 784 }, (_, i) => i % 256);
  const back = decodeNpy(encodeNpy(data, [1, 28, 28]), "u.npy");
  assert.deepEqual([back.dtype, back.shape], ["|u1", [1, 28, 28]]);
  assert.deepEqual(back.data, data);
  assert.equal(npyImages(back, "u.npy")[255], 1);
});
