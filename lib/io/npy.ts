/**
 * NumPy `.npy` files (format version 1.0), the standard way to hand arrays to other tools.
 * Writes and reads float32 and uint8 arrays of any shape (C order).
 *
 * @module
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** An array read from a `.npy` file. */
export interface NpyArray {
  /** NumPy dtype descriptor, `<f4` or `|u1`. */
  dtype: "<f4" | "|u1";
  /** Shape. */
  shape: number[];
  /** Values in C order. */
  data: Float32Array | Uint8Array;
}

/** Encodes a float32 (`<f4`) or uint8 (`|u1`) array of `shape` as `.npy` bytes. */
export function encodeNpy(data: Float32Array | Uint8Array, shape: number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) {
    throw new Error(`encodeNpy: shape [${shape}] needs ${n} values, got ${data.length}`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const descr = data instanceof Uint8Array ? "|u1" : "<f4";
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // pad with spaces so magic(6) + version(2) + length(2) + header + "\n" is a multiple of 64
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, " ") + "\n";
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/**
 * Decodes `.npy` bytes holding float32 (`<f4`) or uint8 (`|u1`) data in C order.
 *
 * @param name the file's name, used in error messages.
 */
export function decodeNpy(bytes: Uint8Array, name: string): NpyArray {
  const bad = (why: string) => new Error(`${name}: not a readable .npy file: ${why}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw bad("missing the \\x93NUMPY magic");
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [headerLen, start] = major === 1
    ? [view.getUint16(8, true), 10]
    : [view.getUint32(8, true), 12];
  if (major < 1 || major > 3) throw bad(`format version ${major} is not supported`);
  if (start + headerLen > bytes.length) throw bad("truncated inside its header");
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) {
    throw bad(`unreadable header ${JSON.stringify(header.trim())}`);
  }
  if (fortran === "True") throw bad("Fortran-order arrays are not supported");
  if (descr !== "<f4" && descr !== "|u1" && descr !== "<u1") {
    throw bad(`dtype '${descr}' is not supported (expected float32 '<f4' or uint8 '|u1')`);
  }
  const shape = shapeText.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw bad(`bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const itemSize = descr === "<f4" ? 4 : 1;
  if (bytes.length - dataStart !== count * itemSize) {
    throw bad(
      `shape [${shape}] needs ${count * itemSize} data bytes, found ${bytes.length - dataStart}`,
    );
  }
  const raw = bytes.slice(dataStart); // copy: aligned and independent of the file buffer
  return descr === "<f4"
    ? { dtype: "<f4", shape, data: new Float32Array(raw.buffer, raw.byteOffset, count) }
    : { dtype: "|u1", shape, data: new Uint8Array(raw.buffer, raw.byteOffset, count) };
}

/**
 * The images of a decoded `.npy` array as float32 `[n, 28, 28]` values in [0, 1]: float32 data
 * must already be in [0, 1]; uint8 data (0..255) is divided by 255. Accepted shapes:
 * `[n, 28, 28]`, `[n, 28, 28, 1]`, `[n, 1, 28, 28]` and `[n, 784]`.
 *
 * @param name the file's name, used in error messages.
 * @throws naming the file when the shape or the value range is not that of images.
 */
export function npyImages(array: NpyArray, name: string): Float32Array {
  const s = array.shape;
  const ok = (s.length === 3 && s[1] === 28 && s[2] === 28) ||
    (s.length === 4 && s[1] === 28 && s[2] === 28 && s[3] === 1) ||
    (s.length === 4 && s[1] === 1 && s[2] === 28 && s[3] === 28) ||
    (s.length === 2 && s[1] === 784);
  if (!ok || s[0] < 1) {
    throw new Error(
      `${name}: shape [${s}] is not a stack of 28x28 images (expected [N, 28, 28], [N, 28, 28, 1], [N, 1, 28, 28] or [N, 784])`,
    );
  }
  if (array.dtype === "|u1") return Float32Array.from(array.data, (v) => v / 255);
  const data = array.data as Float32Array;
  let lo = Infinity, hi = -Infinity;
  for (const v of data) {
    if (Number.isNaN(v)) throw new Error(`${name}: holds NaN values`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo < -1e-6 || hi > 1 + 1e-6) {
    throw new Error(
      `${name}: float32 values must lie in [0, 1], found ${lo.toFixed(3)}..${hi.toFixed(3)}` +
        (lo < 0 ? " (images in [-1, 1]? save (x + 1) / 2)" : ""),
    );
  }
  return Float32Array.from(data, (v) => Math.min(1, Math.max(0, v)));
}
