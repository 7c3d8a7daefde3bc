/**
 * Fashion-MNIST (report section 3.1): 60,000 training and 10,000 test images, 28x28 grayscale,
 * 10 classes, read from the four official IDX files.
 *
 * Where the files are looked for, in order:
 * 1. `options.dataDir`;
 * 2. the `FASHION_MNIST_DIR` environment variable (read only by {@link defaultSearchPath});
 * 3. the project cache, `.cache/fashion-mnist/` at the repository root;
 * 4. `/usr/share/datasets/fashion-mnist` (Debian's `dataset-fashion-mnist` package).
 *
 * If none holds all four files, they are downloaded from the dataset's official mirror into the
 * cache, verified, and only then used. Every file is checked: gzip integrity, IDX magic,
 * dimensions, image/label counts, and the SHA-256 of the decompressed bytes.
 *
 * @module
 */
import * as fs from "node:fs";
import { OptionError } from "../option_error.ts";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, maybeGunzip, parseIdx } from "./idx.ts";

/** Image side length in pixels. */
export const IMAGE_SIZE = 28;
/** Pixels per image (28 x 28). */
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** Class names in label order, as in the dataset's documentation (report 3.1). */
export const CLASS_NAMES: readonly string[] = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** One split of the dataset, decoded into typed arrays. */
export interface Split {
  /** `count * 784` pixels, row-major, 0..255. */
  images: Uint8Array;
  /** `count` labels, 0..9. */
  labels: Uint8Array;
  /** Number of examples. */
  count: number;
}

/** The whole dataset as returned by {@link loadFashionMnist}. */
export interface FashionMnist {
  /** The 60,000 training examples. */
  train: Split;
  /** The 10,000 test examples. */
  test: Split;
  /** Class names, indexed by label. */
  classNames: string[];
  /** The directory the files were read from. */
  source: string;
}

/** A file of the dataset: its base name and the SHA-256 of its decompressed bytes. */
export interface DatasetFile {
  /** File name without `.gz`. */
  name: string;
  /** Hex SHA-256 of the decompressed (official) bytes. */
  sha256: string;
}

/** The four official files and their checksums. */
export const FILES = {
  trainImages: {
    name: "train-images-idx3-ubyte",
    sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
  },
  trainLabels: {
    name: "train-labels-idx1-ubyte",
    sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
  },
  testImages: {
    name: "t10k-images-idx3-ubyte",
    sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
  },
  testLabels: {
    name: "t10k-labels-idx1-ubyte",
    sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
  },
} as const satisfies Record<string, DatasetFile>;

/** The dataset's official download location (the four `.gz` files live under it). */
export const OFFICIAL_MIRROR = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

/** Debian's `dataset-fashion-mnist` package installs the files here. */
export const DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

/** The project cache directory, `.cache/fashion-mnist/` at the repository root. */
export const CACHE_DIR = fileURLToPath(new URL("../../.cache/fashion-mnist", import.meta.url));

/** A place to look for the files, and why it is on the list. */
export interface SearchLocation {
  /** Directory to look in. */
  dir: string;
  /** Where the directory came from, e.g. `FASHION_MNIST_DIR`. */
  origin: string;
}

/** Options for {@link loadFashionMnist}. */
export interface LoadOptions {
  /** A directory holding the four files; looked at before anything else. */
  dataDir?: string;
  /**
   * Where to look after `dataDir`. Default {@link defaultSearchPath}: `FASHION_MNIST_DIR`,
   * the project cache, then Debian's directory.
   */
  searchPath?: SearchLocation[];
  /** Where downloads go. Default {@link CACHE_DIR}. */
  cacheDir?: string;
  /** Download base URL, or `false` to never download. Default {@link OFFICIAL_MIRROR}. */
  download?: string | false;
  /**
   * Check each file's SHA-256 against the official value. Default true; tools that read
   * IDX files of their own (tests, other datasets in the same format) turn it off.
   */
  verifyChecksums?: boolean;
}

/**
 * The default search path after an explicit `dataDir`: `FASHION_MNIST_DIR` (when set), the
 * project cache, then Debian's directory. This is the one place the library reads the
 * environment for data.
 */
export function defaultSearchPath(): SearchLocation[] {
  const out: SearchLocation[] = [];
  let envDir: string | undefined;
  try {
    envDir = Deno.env.get("FASHION_MNIST_DIR");
  } catch { /* no env permission: skip */ }
  if (envDir) out.push({ dir: envDir, origin: "FASHION_MNIST_DIR" });
  out.push({ dir: CACHE_DIR, origin: "project cache" });
  out.push({ dir: DEBIAN_DIR, origin: "Debian dataset-fashion-mnist" });
  return out;
}

/** Every place {@link loadFashionMnist} will look, in order. */
export function searchLocations(options: LoadOptions = {}): SearchLocation[] {
  const out: SearchLocation[] = [];
  if (options.dataDir) out.push({ dir: options.dataDir, origin: "dataDir option" });
  out.push(...(options.searchPath ?? defaultSearchPath()));
  return out;
}

/** The path of `file` in `dir`, plain or `.gz`, or undefined when neither exists. */
export function findFile(dir: string, file: DatasetFile): string | undefined {
  for (const candidate of [file.name, `${file.name}.gz`]) {
    const p = path.join(dir, candidate);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Checks the directories a user named (the `dataDir` option, `FASHION_MNIST_DIR`): each must
 * hold the four files. Call it before any expensive work; {@link loadFashionMnist} calls it too.
 *
 * @throws {OptionError} naming `dataDir` (or an Error naming `FASHION_MNIST_DIR`), the directory
 * and the files it lacks, rather than quietly reading the data from somewhere else.
 */
export function checkNamedDataDirs(
  options: Pick<LoadOptions, "dataDir" | "searchPath"> = {},
): void {
  const named = searchLocations(options).filter((l) =>
    l.origin === "dataDir option" || l.origin === "FASHION_MNIST_DIR"
  );
  for (const loc of named) {
    const missing = Object.values(FILES).filter((f) => !findFile(loc.dir, f)).map((f) => f.name);
    if (missing.length === 0) continue;
    const all = Object.values(FILES).map((f) => f.name).join(", ");
    const message = !fs.existsSync(loc.dir)
      ? `'${loc.dir}' does not exist; it should hold the four Fashion-MNIST files ${all}`
      : missing.length === 4
      ? `'${loc.dir}' holds none of the four Fashion-MNIST files (${all}, plain or .gz)`
      : `'${loc.dir}' lacks ${missing.join(", ")} (plain or .gz) of the four Fashion-MNIST files`;
    if (loc.origin === "dataDir option") throw new OptionError(`{dataDir}: ${message}`);
    throw new Error(`FASHION_MNIST_DIR: ${message}`);
  }
}

/** The first location that holds all four files, or undefined. */
export function locateDataset(locations: SearchLocation[]): SearchLocation | undefined {
  return locations.find((loc) => Object.values(FILES).every((f) => findFile(loc.dir, f)));
}

/** Reads, decompresses and (optionally) checksums one dataset file. */
function readVerified(filePath: string, file: DatasetFile, verify: boolean): Uint8Array {
  let raw: Uint8Array;
  try {
    const buf = fs.readFileSync(filePath);
    raw = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw new Error(`${filePath}: cannot read (${err instanceof Error ? err.message : err})`);
  }
  const bytes = maybeGunzip(raw, filePath);
  if (verify) {
    const digest = createHash("sha256").update(bytes).digest("hex");
    if (digest !== file.sha256) {
      throw new Error(
        `${filePath}: checksum mismatch: SHA-256 of the decompressed bytes is ${digest}, ` +
          `expected ${file.sha256} (the official ${file.name})`,
      );
    }
  }
  return bytes;
}

/** Decodes an images file and a labels file into a {@link Split}, checking them against each other. */
export function readSplit(
  imagesPath: string,
  labelsPath: string,
  checksums?: { images: DatasetFile; labels: DatasetFile },
): Split {
  const imageBytes = readVerified(imagesPath, checksums?.images ?? FILES.trainImages, !!checksums);
  const labelBytes = readVerified(labelsPath, checksums?.labels ?? FILES.trainLabels, !!checksums);
  const images = parseIdx(imageBytes, IDX_IMAGES_MAGIC, imagesPath);
  const labels = parseIdx(labelBytes, IDX_LABELS_MAGIC, labelsPath);
  const [count, rows, cols] = images.dims;
  if (rows !== IMAGE_SIZE || cols !== IMAGE_SIZE) {
    throw new Error(
      `${imagesPath}: images are ${rows}x${cols} pixels, expected ${IMAGE_SIZE}x${IMAGE_SIZE}`,
    );
  }
  if (labels.dims[0] !== count) {
    throw new Error(
      `image/label count mismatch: ${imagesPath} has ${count} images but ${labelsPath} has ` +
        `${labels.dims[0]} labels`,
    );
  }
  const bad = labels.data.findIndex((l) => l >= CLASS_NAMES.length);
  if (bad >= 0) {
    throw new Error(`${labelsPath}: label ${labels.data[bad]} at index ${bad} is not in 0..9`);
  }
  return { images: images.data, labels: labels.data, count };
}

async function downloadInto(base: string, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (const file of Object.values(FILES)) {
    const target = path.join(dir, `${file.name}.gz`);
    if (fs.existsSync(target)) continue;
    const url = new URL(`${file.name}.gz`, base).href;
    const res = await fetch(url);
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`GET ${url} answered ${res.status} ${res.statusText}`);
    }
    const body = new Uint8Array(await res.arrayBuffer());
    writeFileAtomic(target, body, {
      // verify before the file takes its final name
      beforeRename(tmp) {
        try {
          readVerified(tmp, file, true);
        } catch (err) {
          throw new Error(`${url}: downloaded file failed verification: ${(err as Error).message}`);
        }
      },
    });
  }
}

/**
 * Loads both splits of Fashion-MNIST into typed arrays, finding (or downloading) and verifying
 * the files as described in the module documentation.
 *
 * @throws an error naming every place looked at and how to provide the files, when they are
 * nowhere and cannot be downloaded; or naming the file and the problem when one is broken.
 */
export async function loadFashionMnist(options: LoadOptions = {}): Promise<FashionMnist> {
  checkNamedDataDirs(options);
  const locations = searchLocations(options);
  let found = locateDataset(locations);
  if (!found) {
    const cacheDir = options.cacheDir ?? CACHE_DIR;
    const base = options.download ?? OFFICIAL_MIRROR;
    let downloadError = "downloading is turned off";
    if (base !== false) {
      try {
        await downloadInto(base, cacheDir);
        found = { dir: cacheDir, origin: "downloaded" };
      } catch (err) {
        downloadError = `download from ${base} failed: ${(err as Error).message}`;
      }
    }
    if (!found) {
      const looked = locations.map((l) => `  - ${l.dir} (${l.origin})`).join("\n");
      throw new Error(
        `Fashion-MNIST not found. Looked for ${
          Object.values(FILES).map((f) => f.name).join(", ")
        } ` +
          `(plain or .gz) in:\n${looked}\nand ${downloadError}.\n` +
          `Provide the files by installing Debian's package ('apt-get install dataset-fashion-mnist'), ` +
          `or put the four official files in a directory and pass it as dataDir or FASHION_MNIST_DIR.`,
      );
    }
  }
  const dir = found.dir;
  const verify = options.verifyChecksums ?? true;
  const at = (f: DatasetFile) => findFile(dir, f)!;
  const train = readSplit(
    at(FILES.trainImages),
    at(FILES.trainLabels),
    verify ? { images: FILES.trainImages, labels: FILES.trainLabels } : undefined,
  );
  const test = readSplit(
    at(FILES.testImages),
    at(FILES.testLabels),
    verify ? { images: FILES.testImages, labels: FILES.testLabels } : undefined,
  );
  return { train, test, classNames: [...CLASS_NAMES], source: dir };
}
