/**
 * The IDX file format of (Fashion-)MNIST: a big-endian header (magic, then one 32-bit size per
 * dimension) followed by the raw unsigned bytes, optionally gzip-compressed.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";

/** IDX magic for unsigned-byte data with three dimensions (images: count x rows x cols). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** IDX magic for unsigned-byte data with one dimension (labels: count). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** A parsed IDX file of unsigned bytes. */
export interface IdxArray {
  /** Sizes of each dimension, e.g. `[60000, 28, 28]`. */
  dims: number[];
  /** The data, row-major, a view into the decompressed file. */
  data: Uint8Array;
}

/**
 * Decompresses `bytes` when they start with the gzip magic, else returns them unchanged.
 *
 * @param name the file's path, used in error messages.
 * @throws when the gzip stream is truncated or corrupt.
 */
export function maybeGunzip(bytes: Uint8Array, name: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`${name}: truncated or corrupt gzip data (${why})`);
  }
}

/**
 * Parses an (already decompressed) IDX file of unsigned bytes and checks its header against
 * the expected magic and that the data length matches the dimensions.
 *
 * @param name the file's path, used in error messages.
 */
export function parseIdx(bytes: Uint8Array, expectedMagic: number, name: string): IdxArray {
  if (bytes.length < 4) {
    throw new Error(`${name}: file is ${bytes.length} bytes, too short for an IDX header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    throw new Error(
      `${name}: wrong IDX magic number 0x${hex(magic)}, expected 0x${hex(expectedMagic)} ` +
        `(${describeMagic(expectedMagic)})`,
    );
  }
  const ndims = magic & 0xff;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new Error(`${name}: file ends inside the IDX header (${bytes.length} bytes)`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = bytes.length - headerBytes;
  if (found !== expected) {
    throw new Error(
      `${name}: header promises ${dims.join("x")} = ${expected} bytes of data, found ${found}` +
        (found < expected ? " (file truncated?)" : ""),
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Encodes an IDX file of unsigned bytes (used by tests and tools that write datasets). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 | dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}

function describeMagic(magic: number): string {
  const dims = magic & 0xff;
  return `unsigned bytes, ${dims} dimension${dims === 1 ? "" : "s"}`;
}
