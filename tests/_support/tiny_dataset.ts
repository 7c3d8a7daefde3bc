/** Test support: writes tiny Fashion-MNIST-shaped IDX files into a temporary directory. */
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { encodeIdx, type FashionMnist, FILES, loadFashionMnist } from "../../lib/mod.ts";

/** Options for {@link writeTinyDataset}. */
export interface TinyOptions {
  trainCount?: number;
  testCount?: number;
  gzip?: boolean;
}

/** Pixel value of example `i`, pixel `p`: deterministic and distinct per example. */
export function tinyPixel(i: number, p: number): number {
  return (i * 7 + p) % 256;
}

function split(count: number): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(count * 784);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < 784; p++) images[i * 784 + p] = tinyPixel(i, p);
  }
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);
  return { images, labels };
}

/** Writes the four files (plain or gzip) into a new temp dir and returns its path. */
export function writeTinyDataset(options: TinyOptions = {}): string {
  const dir = fs.mkdtempSync(path.join(Deno.env.get("TMPDIR") ?? "/tmp", "fmnist-"));
  const gz = options.gzip ?? false;
  const write = (name: string, bytes: Uint8Array) =>
    fs.writeFileSync(path.join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(bytes) : bytes);
  const train = split(options.trainCount ?? 20);
  const test = split(options.testCount ?? 10);
  write(FILES.trainImages.name, encodeIdx([train.labels.length, 28, 28], train.images));
  write(FILES.trainLabels.name, encodeIdx([train.labels.length], train.labels));
  write(FILES.testImages.name, encodeIdx([test.labels.length, 28, 28], test.images));
  write(FILES.testLabels.name, encodeIdx([test.labels.length], test.labels));
  return dir;
}

/** Writes a tiny dataset ({@link writeTinyDataset}) and loads it offline, checksums off. */
export function loadTinyDataset(options: TinyOptions = {}): Promise<FashionMnist> {
  return loadFashionMnist({
    dataDir: writeTinyDataset(options),
    searchPath: [],
    download: false,
    verifyChecksums: false,
  });
}
