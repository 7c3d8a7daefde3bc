/**
 * Generator files: a trained G (and its EMA copy) without D or optimiser state, written and
 * read with the checkpoint format. Reading also takes a trainer's checkpoint, of which only G's
 * tensors are used.
 *
 * @module
 */
import { writeFileAtomic } from "../io/atomic_write.ts";
import { loadCheckpoint, sha256Hex } from "../io/checkpoint.ts";
import type { SaveCheckpointOptions } from "../io/checkpoint_format.ts";
import { Generator } from "./generator.ts";

/**
 * Loads the generator in `file` (a generator file or a trainer's checkpoint; the caller
 * disposes it).
 *
 * @throws naming the file when it is unreadable, corrupted or holds no generator.
 */
export function loadGenerator(file: string): Generator {
  return Generator.fromCheckpoint(loadCheckpoint(file), file);
}

/** Writes `generator` to `file`, atomically (float16 with `options.float16`). */
export async function saveGenerator(
  file: string,
  generator: Generator,
  options: SaveCheckpointOptions = {},
): Promise<void> {
  writeFileAtomic(file, await generator.encode(sha256Hex, options));
}
