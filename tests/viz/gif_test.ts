import assert from "node:assert/strict";
import { decompressFrames, parseGIF } from "gifuct-js";
import { animatedGif, type GrayFrame } from "../../lib/viz/gif.ts";

/** A width x height frame whose pixel (x, y) is (x * 16 + y * 8 + k) mod 256. */
function frame(width: number, height: number, k: number): GrayFrame {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = (x * 16 + y * 8 + k) % 256;
  }
  return { width, height, data };
}

/** Decodes with gifuct-js (an independent decoder). */
function decodeGif(bytes: Uint8Array) {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const gif = parseGIF(buffer as ArrayBuffer);
  return { gif, frames: decompressFrames(gif, true) };
}

Deno.test("animatedGif starts with GIF89a and decodes to the same number of frames", () => {
  const bytes = animatedGif([0, 50, 100, 150, 200].map((k) => frame(30, 20, k)), { delayMs: 200 });
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 6)), "GIF89a");
  const { gif, frames } = decodeGif(bytes);
  assert.equal(frames.length, 5);
  assert.equal(gif.lsd.width, 30);
  assert.equal(gif.lsd.height, 20);
  for (const f of frames) assert.equal(f.delay, 200);
  assert.equal(bytes[bytes.length - 1], 0x3b, "trailer");
});

Deno.test("animatedGif keeps every gray level exactly (256-entry gray palette)", () => {
  const frames = [frame(16, 16, 0), frame(16, 16, 7)];
  const decoded = decodeGif(animatedGif(frames)).frames;
  decoded.forEach((f, i) => {
    for (let p = 0; p < 16 * 16; p++) {
      const g = frames[i].data[p];
      assert.deepEqual(
        [...f.patch.subarray(4 * p, 4 * p + 4)],
        [g, g, g, 255],
        `frame ${i} px ${p}`,
      );
    }
  });
});

Deno.test("animatedGif loops forever by default and plays once with loop false", () => {
  const netscape = (bytes: Uint8Array) =>
    new TextDecoder("latin1").decode(bytes).includes("NETSCAPE2.0");
  assert.ok(netscape(animatedGif([frame(4, 4, 0), frame(4, 4, 1)])));
  assert.ok(!netscape(animatedGif([frame(4, 4, 0), frame(4, 4, 1)], { loop: false })));
});

Deno.test("animatedGif encodes a single frame", () => {
  assert.equal(decodeGif(animatedGif([frame(3, 2, 9)])).frames.length, 1);
});

Deno.test("animatedGif rejects no frames, mixed sizes and wrong data lengths", () => {
  assert.throws(() => animatedGif([]), /no frames/);
  assert.throws(() => animatedGif([frame(4, 4, 0), frame(5, 4, 0)]), /frame 1 is 5x4/);
  assert.throws(
    () => animatedGif([{ width: 4, height: 4, data: new Uint8Array(15) }]),
    /15 bytes, expected 16/,
  );
});
