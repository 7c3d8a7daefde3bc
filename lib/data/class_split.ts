/**
 * One class of a split, and the classes by the names a command line gives them: the data of
 * unpaired translation between two classes (CycleGAN), where each side is one class.
 *
 * @module
 */
import { OptionError } from "../option_error.ts";
import { CLASS_NAMES, IMAGE_PIXELS, type Split } from "./fashion_mnist.ts";

/**
 * The classes' names as flags take them, in label order: lower case, words joined by "-"
 * (`t-shirt` for "T-shirt/top", `ankle-boot` for "Ankle boot").
 */
export const CLASS_SLUGS: readonly string[] = [
  "t-shirt",
  "trouser",
  "pullover",
  "dress",
  "coat",
  "sandal",
  "shirt",
  "sneaker",
  "bag",
  "ankle-boot",
];

/**
 * The class index of `name`: a slug of {@link CLASS_SLUGS}, a name of `CLASS_NAMES` (any case),
 * or an index 0..9.
 *
 * @example
 * ```ts
 * classIndex("ankle-boot"); // 9
 * classIndex("Sneaker"); // 7
 * ```
 * @throws {OptionError} naming `option` when `name` is no class.
 */
export function classIndex(name: string, option = "class"): number {
  const key = name.trim().toLowerCase();
  const bySlug = CLASS_SLUGS.indexOf(key);
  if (bySlug >= 0) return bySlug;
  const byName = CLASS_NAMES.findIndex((c) => c.toLowerCase() === key);
  if (byName >= 0) return byName;
  if (/^\d$/.test(key)) return Number(key);
  throw new OptionError(
    `{${option}} '${name}' is not a class: expected one of ${CLASS_SLUGS.join(", ")} (or 0..9)`,
  );
}

/** The examples of class `c` in `split`, in their order there (a copy). */
export function classSplit(split: Split, c: number): Split {
  const indices: number[] = [];
  for (let i = 0; i < split.count; i++) if (split.labels[i] === c) indices.push(i);
  const images = new Uint8Array(indices.length * IMAGE_PIXELS);
  indices.forEach((src, i) =>
    images.set(
      split.images.subarray(src * IMAGE_PIXELS, (src + 1) * IMAGE_PIXELS),
      i * IMAGE_PIXELS,
    )
  );
  return { images, labels: new Uint8Array(indices.length).fill(c), count: indices.length };
}
