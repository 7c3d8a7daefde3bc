import assert from "node:assert/strict";
import { decodeNpy, encodeNpy } from "../../lib/mod.ts";

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
