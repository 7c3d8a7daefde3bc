/**
 * Samples over training as figures: the same latent vectors drawn at several points of a run
 * (a run directory's fixed-noise snapshots), as early/middle/late rows (report figs 4.3, 4.4)
 * and as an animated GIF across training.
 *
 * @module
 */
import { animatedGif } from "./gif.ts";
import { type PixelRange, tileImages } from "./image_grid.ts";
import { imageGridPng } from "./labelled_grid.ts";

/** Images of the same latent vectors at one point of training (a run's snapshot is one). */
export interface LabelledImages {
  /** Where in training, e.g. `epoch 3` or `step 400`. */
  label: string;
  /** Images `[count, 28, 28]` in [0, 1]. */
  images: Float32Array;
  /** Number of images. */
  count: number;
}

const UNIT_RANGE: PixelRange = [0, 1];

/** The first, middle and last snapshots (fewer when there are fewer). */
export function earlyMiddleLate<T>(snapshots: readonly T[]): T[] {
  if (snapshots.length <= 3) return [...snapshots];
  return [
    snapshots[0],
    snapshots[Math.floor((snapshots.length - 1) / 2)],
    snapshots[snapshots.length - 1],
  ];
}

/**
 * A PNG with one row per snapshot (labelled with its epoch or step) showing the first
 * `perRow` images of each: the same latent vectors as training goes on.
 */
export function evolutionFigure(
  snapshots: readonly LabelledImages[],
  perRow = 10,
  title?: string,
): Uint8Array {
  if (snapshots.length === 0) throw new Error("evolutionFigure: no sample snapshots");
  const n = Math.min(perRow, ...snapshots.map((s) => s.count));
  const images = new Float32Array(snapshots.length * n * 784);
  snapshots.forEach((s, r) => images.set(s.images.subarray(0, n * 784), r * n * 784));
  return imageGridPng(images, {
    columns: n,
    rowLabels: snapshots.map((s) => s.label),
    title,
    range: UNIT_RANGE,
  });
}

/** An animated GIF of the full fixed-noise grid across the snapshots (as TensorFlow's DCGAN tutorial). */
export function evolutionGif(snapshots: readonly LabelledImages[], delayMs = 400): Uint8Array {
  if (snapshots.length === 0) throw new Error("evolutionGif: no sample snapshots");
  const frames = snapshots.map((s) =>
    tileImages(s.images, 28, { columns: Math.ceil(Math.sqrt(s.count)), range: UNIT_RANGE })
  );
  return animatedGif(frames, { delayMs });
}
