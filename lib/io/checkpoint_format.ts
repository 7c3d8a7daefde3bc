/**
 * The checkpoint format, as bytes: named float32 tensors plus a JSON header. This module reads
 * and writes bytes only (no files, no Node built-ins), so it runs in a browser too; the files
 * are `checkpoint.ts`'s.
 *
 * Layout: the 8 bytes `FGANCKPT`, a little-endian u32 format version, a u32 header length,
 * the header (UTF-8 JSON: `meta`, the tensor table, the payload's byte length and SHA-256),
 * then the payload (every tensor's data, little-endian, in table order): float32 values in
 * format 1, float16 values in format 2 (whose header says `"dtype": "float16"`). Decoding
 * checks magic, version, lengths and (given a digest function) the payload's SHA-256, so a
 * truncated or corrupted file is an error, never a silent start.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

const MAGIC = "FGANCKPT";
/** Format 1 stores float32 values; format 2 adds the header field `dtype` ("float16"). */
const VERSIONS = [1, 2];

/** A tensor read from a checkpoint (plain data, not a tf.Tensor). */
export interface StoredTensor {
  /** Shape. */
  shape: number[];
  /** Values, float32. */
  data: Float32Array;
}

/** A loaded checkpoint. */
export interface Checkpoint<M> {
  /** The JSON metadata saved with it. */
  meta: M;
  /** The tensors, by name. */
  tensors: Map<string, StoredTensor>;
}

interface Header<M> {
  meta: M;
  /** Each tensor's place in the payload, in values (not bytes). */
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
  /** How the payload stores values (format 2; format 1 is float32). */
  dtype?: "float32" | "float16";
  payloadBytes: number;
  payloadSha256: string;
}

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /**
   * Store the values as IEEE float16 (half the size; about 3 significant digits, range
   * ±65,504), e.g. for shipped weights. Loading turns them back into float32. Default false.
   */
  float16?: boolean;
}

/** A SHA-256 of bytes, as lowercase hex (`node:crypto` in Deno). */
export type Sha256 = (bytes: Uint8Array) => string;

/**
 * The values of `tensors`, read from the backend (all at once, asynchronously: any backend),
 * by name.
 *
 * @throws naming a tensor that is not float32.
 */
export async function readTensors(
  tensors: Map<string, tf.Tensor>,
): Promise<Map<string, StoredTensor>> {
  for (const [name, t] of tensors) {
    if (t.dtype !== "float32") {
      throw new Error(`checkpoint: tensor ${name} is ${t.dtype}, expected float32`);
    }
  }
  const values = await Promise.all([...tensors.values()].map((t) => t.data()));
  return new Map(
    [...tensors].map(([name, t], i) => [name, { shape: t.shape, data: values[i] as Float32Array }]),
  );
}

/**
 * `tensors` and `meta` as the chunks of a checkpoint file, in order; `sha256` digests the
 * payload for the header.
 */
export function encodeCheckpoint<M>(
  meta: M,
  tensors: Map<string, StoredTensor>,
  sha256: Sha256,
  options: SaveCheckpointOptions = {},
): Uint8Array[] {
  const table: Header<M>["tensors"] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    table.push({ name, shape: t.shape, offset, length: t.data.length });
    offset += t.data.length;
  }
  const payload = options.float16 ? new Float16Array(offset) : new Float32Array(offset);
  for (const entry of table) payload.set(tensors.get(entry.name)!.data, entry.offset);
  const payloadBytes = new Uint8Array(payload.buffer);
  const header: Header<M> = {
    meta,
    tensors: table,
    ...(options.float16 ? { dtype: "float16" as const } : {}),
    payloadBytes: payloadBytes.byteLength,
    payloadSha256: sha256(payloadBytes),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const prefix = new Uint8Array(16);
  prefix.set(new TextEncoder().encode(MAGIC));
  const view = new DataView(prefix.buffer);
  view.setUint32(8, options.float16 ? 2 : 1, true);
  view.setUint32(12, headerBytes.byteLength, true);

  return [prefix, headerBytes, payloadBytes];
}

/**
 * Decodes checkpoint bytes, verifying the payload's SHA-256 with `sha256` when given (a browser
 * reading bytes its server verified passes none).
 *
 * @param file names the bytes in errors.
 * @throws naming the file when the bytes are truncated, of another format or corrupted.
 */
export function decodeCheckpoint<M>(
  bytes: Uint8Array,
  file: string,
  sha256?: Sha256,
): Checkpoint<M> {
  const bad = (why: string) => new Error(`${file}: not a valid checkpoint: ${why}`);
  if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw bad(`it does not start with ${MAGIC}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (!VERSIONS.includes(version)) {
    throw bad(`format version ${version}, this library reads ${VERSIONS.join(" and ")}`);
  }
  const headerLength = view.getUint32(12, true);
  if (16 + headerLength > bytes.length) throw bad("truncated inside its header");
  let header: Header<M>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)));
  } catch (err) {
    throw bad(`unreadable header (${(err as Error).message})`);
  }
  const payloadStart = 16 + headerLength;
  const found = bytes.length - payloadStart;
  if (found !== header.payloadBytes) {
    throw bad(`payload is ${found} bytes, header says ${header.payloadBytes} (truncated?)`);
  }
  // Copy so the floats are aligned (the payload may start at any byte offset).
  const payloadBytes = new Uint8Array(bytes.subarray(payloadStart));
  if (sha256 && sha256(payloadBytes) !== header.payloadSha256) {
    throw bad("payload checksum mismatch (file corrupted)");
  }
  const payload = header.dtype === "float16"
    ? Float32Array.from(new Float16Array(payloadBytes.buffer, 0, payloadBytes.byteLength / 2))
    : new Float32Array(payloadBytes.buffer, 0, payloadBytes.byteLength / 4);
  const tensors = new Map<string, StoredTensor>();
  for (const t of header.tensors) {
    tensors.set(t.name, { shape: t.shape, data: payload.subarray(t.offset, t.offset + t.length) });
  }
  return { meta: header.meta, tensors };
}

/**
 * Copies stored values into `variables` (by name), checking that the names and shapes match.
 *
 * @param what names the checkpoint in error messages.
 */
export function assignStored(
  variables: Map<string, tf.Variable>,
  stored: Map<string, StoredTensor>,
  prefix: string,
  what: string,
): void {
  for (const [name, v] of variables) {
    const s = stored.get(prefix + name);
    if (!s) throw new Error(`${what}: no tensor ${prefix + name} (is it for another model?)`);
    if (s.shape.join("x") !== v.shape.join("x")) {
      throw new Error(
        `${what}: tensor ${prefix + name} has shape [${s.shape}], the model expects [${v.shape}]`,
      );
    }
    tf.tidy(() => v.assign(tf.tensor(s.data, s.shape)));
  }
}
