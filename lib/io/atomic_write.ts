/**
 * Atomic file writes: every file this project writes whole (checkpoints, configs, sample grids,
 * `.npy` files, summaries, downloads) goes to a temporary name in the same directory, is synced
 * to disk, and is renamed over the target. A crash mid-write leaves the previous file (or none)
 * in place, never half a file. This module is the one place that does it.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** What {@link writeFileAtomic} writes: text (UTF-8), bytes, or byte chunks in order. */
export type FileContent = string | Uint8Array | readonly Uint8Array[];

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Called with the temporary file's path once it is complete, before it takes its final name;
   * an exception removes the temporary file and propagates (e.g. a checksum check of a
   * download).
   */
  beforeRename?: (tempFile: string) => void;
}

/**
 * Writes `content` to `file` atomically, creating its directory when missing: a temporary file
 * beside it (`<file>.<pid>.tmp`), `fsync`, then a rename over `file`.
 */
export function writeFileAtomic(
  file: string,
  content: FileContent,
  options: AtomicWriteOptions = {},
): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${Deno.pid}.tmp`;
  const chunks = typeof content === "string"
    ? [new TextEncoder().encode(content)]
    : content instanceof Uint8Array
    ? [content]
    : content;
  try {
    const fd = fs.openSync(tmp, "w");
    try {
      for (const chunk of chunks) fs.writeSync(fd, chunk);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    options.beforeRename?.(tmp);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Writes `value` as indented JSON (2 spaces, or `indent`) plus a newline, atomically. */
export function writeJsonAtomic(file: string, value: unknown, indent = 2): void {
  writeFileAtomic(file, JSON.stringify(value, null, indent) + "\n");
}
