/**
 * The fixed-noise sample grids a run wrote during training (`samples/*.npy`), as figures:
 * early/middle/late rows (report figs 4.3, 4.4) and an animated GIF across training.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { decodeNpy } from "../eval/npy.ts";
import { animatedGif } from "../viz/gif.ts";
import { tileImages } from "../viz/image_grid.ts";
import { imageGridPng } from "../viz/labelled_grid.ts";

/** One saved grid: the images of the run's fixed noise at one point of training. */
export interface SampleSnapshot {
  /** `epoch N` or `step N`. */
  label: string;
  /** Global step it was taken at. */
  step: number;
  /** Images `[n, 28, 28]` in [-1, 1]. */
  images: Float32Array;
  /** Number of images. */
  count: number;
}

/** Every snapshot in `<runDir>/samples`, in training order. */
export function listSnapshots(runDir: string, stepsPerEpoch: number): SampleSnapshot[] {
  const dir = path.join(runDir, "samples");
  if (!fs.existsSync(dir)) return [];
  const out: SampleSnapshot[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = /^(epoch|step)-(\d+)\.npy$/.exec(name);
    if (!m) continue;
    const n = Number(m[2]);
    const arr = decodeNpy(fs.readFileSync(path.join(dir, name)), path.join(dir, name));
    out.push({
      label: `${m[1]} ${n}`,
      step: m[1] === "epoch" ? n * stepsPerEpoch : n,
      images: arr.data as Float32Array,
      count: arr.shape[0],
    });
  }
  // an epoch's grid and a step grid of the same step are the same images: keep one
  out.sort((a, b) => a.step - b.step || a.label.localeCompare(b.label));
  return out.filter((s, i) => i === 0 || s.step !== out[i - 1].step);
}

/** The first, middle and last snapshots (fewer when there are fewer). */
export function earlyMiddleLate(snapshots: readonly SampleSnapshot[]): SampleSnapshot[] {
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
  snapshots: readonly SampleSnapshot[],
  perRow = 10,
  title?: string,
): Uint8Array {
  if (snapshots.length === 0) throw new Error("evolutionFigure: no sample snapshots");
  const n = Math.min(perRow, ...snapshots.map((s) => s.count));
  const images = new Float32Array(snapshots.length * n * 784);
  snapshots.forEach((s, r) => images.set(s.images.subarray(0, n * 784), r * n * 784));
  return imageGridPng(images, { columns: n, rowLabels: snapshots.map((s) => s.label), title });
}

/** An animated GIF of the full fixed-noise grid across the snapshots (as TensorFlow's DCGAN tutorial). */
export function evolutionGif(snapshots: readonly SampleSnapshot[], delayMs = 400): Uint8Array {
  if (snapshots.length === 0) throw new Error("evolutionGif: no sample snapshots");
  const frames = snapshots.map((s) =>
    tileImages(s.images, 28, { columns: Math.ceil(Math.sqrt(s.count)) })
  );
  return animatedGif(frames, { delayMs });
}
