/**
 * Checkpoint files (the format is `checkpoint_format.ts`'s): written atomically, so a crash
 * mid-write leaves the previous checkpoint intact; read with the payload's SHA-256 verified.
 *
 * @module
 */
import * as fs from "node:fs";
import { createHash } from "node:crypto";
import type * as tf from "@tensorflow/tfjs";
import { writeFileAtomic } from "./atomic_write.ts";
import {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  readTensors,
  type SaveCheckpointOptions,
} from "./checkpoint_format.ts";

/** SHA-256 of `bytes` as lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Writes `tensors` (read from the backend) and `meta` to `file`, atomically. */
export async function saveCheckpoint<M>(
  file: string,
  meta: M,
  tensors: Map<string, tf.Tensor>,
  options: SaveCheckpointOptions = {},
): Promise<void> {
  const stored = await readTensors(tensors);
  writeFileAtomic(file, encodeCheckpoint(meta, stored, sha256Hex, options));
}

/**
 * Reads and verifies a checkpoint.
 *
 * @throws naming the file when it is missing, truncated, of another format or corrupted.
 */
export function loadCheckpoint<M>(file: string): Checkpoint<M> {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${file}: cannot read checkpoint (${(err as Error).message})`);
  }
  return decodeCheckpoint<M>(bytes, file, sha256Hex);
}
