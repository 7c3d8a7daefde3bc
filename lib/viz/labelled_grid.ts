/**
 * Labelled sample grids as PNG: 28x28 images (values in [-1, 1], or another `range`) tiled into
 * rows and columns, upscaled by an integer factor with nearest-neighbour (each source pixel
 * becomes a `scale`x`scale` block; no smoothing), with optional row labels on the left (e.g.
 * class names), column labels on top (e.g. epochs or latent values) and a title.
 *
 * Text is drawn with `@napi-rs/canvas` (Skia; its binary ships inside the npm package, no
 * install script) in DejaVu Sans, registered from the Debian font path
 * ({@link DEJAVU_SANS_PATH}). Tiles are written straight into the pixel buffer, never through
 * `drawImage`, so there is no resampling at all. The PNG is 8-bit grayscale, encoded with
 * `fast-png`.
 *
 * Font policy: when there is text to draw and the font file is missing, the call throws an
 * Error naming the path and the Debian package (`apt-get install fonts-dejavu-core`); a grid
 * with no labels and no title never needs the font. Permissions: --allow-read, --allow-env,
 * --allow-ffi and --allow-sys (the addon reads env vars and the home directory on load).
 *
 * @module
 */
import { createCanvas, GlobalFonts, type SKRSContext2D } from "@napi-rs/canvas";
import { encode } from "fast-png";
import { existsSync } from "node:fs";
import { grayLevel, type PixelRange } from "./image_grid.ts";

/** Debian's DejaVu Sans (package fonts-dejavu-core). */
export const DEJAVU_SANS_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
/** Debian's DejaVu Sans Bold (package fonts-dejavu-core), used for the title when present. */
export const DEJAVU_SANS_BOLD_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

/** Options for {@link imageGridPng} and {@link imageGridLayout}. */
export interface ImageGridOptions {
  /** Tiles per row (>= 1). */
  columns: number;
  /** Side of one source image in pixels. Default 28. */
  size?: number;
  /** Integer upscaling factor (nearest-neighbour). Default 2. */
  scale?: number;
  /** Labels for rows, top to bottom, drawn right-aligned left of the grid; at most `rows`. */
  rowLabels?: string[];
  /** Labels for columns, left to right, drawn centred above the grid; at most `columns`. */
  columnLabels?: string[];
  /** Title drawn centred above everything. */
  title?: string;
  /** Pixels (after scaling) between tiles and around the grid. Default 2. */
  padding?: number;
  /** Label font size in pixels (the title is 1.25x, bold). Default 12. */
  fontSize?: number;
  /** Gray level (0..255) of the background. Default 255 (white); text is black. */
  background?: number;
  /** TTF file for the labels. Default {@link DEJAVU_SANS_PATH}. */
  fontPath?: string;
  /** The pixel values drawn black and white. Default [-1, 1]; generated arrays are [0, 1]. */
  range?: PixelRange;
}

/** Pixel geometry of a grid (see {@link imageGridLayout}). */
export interface ImageGridLayout {
  /** PNG width in pixels. */
  width: number;
  /** PNG height in pixels. */
  height: number;
  /** Number of images. */
  count: number;
  /** Number of tile rows. */
  rows: number;
  /** Tiles per row. */
  columns: number;
  /** Side of one upscaled tile in pixels (`size * scale`). */
  tile: number;
  /** Top-left corner of each tile, in image order. */
  tiles: { x: number; y: number }[];
  /** Width of the row-label band on the left (0 without row labels). */
  labelWidth: number;
  /** Height of the title band (0 without title). */
  titleHeight: number;
  /** Height of the column-label band (0 without column labels). */
  columnLabelHeight: number;
}

const FAMILY = "DejaVu Sans";
const LABEL_PAD = 6;
let fontsRegistered = "";

/** Registers the label font once per path; throws a helpful error when the file is missing. */
function ensureFont(path: string): void {
  if (fontsRegistered === path) return;
  if (!existsSync(path)) {
    throw new Error(
      `labelled_grid: font file ${path} not found; install it with ` +
        "`apt-get install fonts-dejavu-core` (Debian/Ubuntu) or pass options.fontPath",
    );
  }
  if (!GlobalFonts.registerFromPath(path, FAMILY)) {
    throw new Error(`labelled_grid: could not load font ${path}`);
  }
  if (path === DEJAVU_SANS_PATH && existsSync(DEJAVU_SANS_BOLD_PATH)) {
    GlobalFonts.registerFromPath(DEJAVU_SANS_BOLD_PATH, FAMILY);
  }
  fontsRegistered = path;
}

function resolved(o: ImageGridOptions) {
  const size = o.size ?? 28;
  const scale = o.scale ?? 2;
  const padding = o.padding ?? 2;
  const fontSize = o.fontSize ?? 12;
  if (!Number.isInteger(o.columns) || o.columns < 1) {
    throw new Error(`imageGrid: columns must be a positive integer, got ${o.columns}`);
  }
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(`imageGrid: size must be a positive integer, got ${size}`);
  }
  if (!Number.isInteger(scale) || scale < 1) {
    throw new Error(`imageGrid: scale must be a positive integer, got ${scale}`);
  }
  if (!Number.isInteger(padding) || padding < 0) {
    throw new Error(`imageGrid: padding must be a non-negative integer, got ${padding}`);
  }
  const hasText = Boolean(o.title) || Boolean(o.rowLabels?.length) ||
    Boolean(o.columnLabels?.length);
  return {
    size,
    scale,
    padding,
    fontSize,
    hasText,
    fontPath: o.fontPath ?? DEJAVU_SANS_PATH,
    background: o.background ?? 255,
  };
}

const labelFont = (px: number) => `${px}px "${FAMILY}"`;
const titleFont = (px: number) => `bold ${Math.round(px * 1.25)}px "${FAMILY}"`;

function computeLayout(
  count: number,
  o: ImageGridOptions,
  measure: (text: string, font: string) => number,
): ImageGridLayout {
  const r = resolved(o);
  const columns = o.columns;
  const rows = Math.ceil(count / columns);
  if (o.rowLabels && o.rowLabels.length > rows) {
    throw new Error(`imageGrid: ${o.rowLabels.length} row labels for ${rows} rows`);
  }
  if (o.columnLabels && o.columnLabels.length > columns) {
    throw new Error(`imageGrid: ${o.columnLabels.length} column labels for ${columns} columns`);
  }
  const tile = r.size * r.scale;
  const labelWidth = o.rowLabels?.length
    ? Math.ceil(Math.max(...o.rowLabels.map((s) => measure(s, labelFont(r.fontSize))))) +
      2 * LABEL_PAD
    : 0;
  const titleHeight = o.title ? Math.ceil(r.fontSize * 1.25 * 1.8) : 0;
  const columnLabelHeight = o.columnLabels?.length ? Math.ceil(r.fontSize * 1.6) : 0;
  const gridWidth = columns * (tile + r.padding) + r.padding;
  const titleWidth = o.title
    ? Math.ceil(measure(o.title, titleFont(r.fontSize))) + 2 * LABEL_PAD
    : 0;
  const width = Math.max(labelWidth + gridWidth, titleWidth);
  const top = titleHeight + columnLabelHeight;
  const height = top + rows * (tile + r.padding) + r.padding;
  const tiles = Array.from({ length: count }, (_, i) => ({
    x: labelWidth + r.padding + (i % columns) * (tile + r.padding),
    y: top + r.padding + Math.floor(i / columns) * (tile + r.padding),
  }));
  return {
    width,
    height,
    count,
    rows,
    columns,
    tile,
    tiles,
    labelWidth,
    titleHeight,
    columnLabelHeight,
  };
}

function imageCount(images: Float32Array, size: number): number {
  const per = size * size;
  const n = images.length / per;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(
      `imageGrid: ${images.length} values are not a whole, non-zero number of ${size}x${size} images`,
    );
  }
  return n;
}

function measurer(ctx: SKRSContext2D): (text: string, font: string) => number {
  return (text, font) => {
    ctx.font = font;
    return ctx.measureText(text).width;
  };
}

/**
 * Pixel geometry of the grid {@link imageGridPng} would draw for `count` images: PNG size and
 * the top-left corner of every tile. Measures label text (so it registers the font when there
 * are labels or a title).
 */
export function imageGridLayout(count: number, options: ImageGridOptions): ImageGridLayout {
  const r = resolved(options);
  if (!r.hasText) return computeLayout(count, options, () => 0);
  ensureFont(r.fontPath);
  const ctx = createCanvas(1, 1).getContext("2d");
  return computeLayout(count, options, measurer(ctx));
}

/**
 * Draws `n` images (`images` holds n*size*size values in `options.range`, default [-1, 1],
 * row-major, one image after another; values outside are clamped) as a labelled grid and
 * returns 8-bit grayscale PNG bytes. Gray level of a pixel in [-1, 1]: `round((v + 1) * 127.5)`.
 * The last row may be partly empty.
 */
export function imageGridPng(images: Float32Array, options: ImageGridOptions): Uint8Array {
  const r = resolved(options);
  const count = imageCount(images, r.size);
  if (r.hasText) ensureFont(r.fontPath);
  const probe = createCanvas(1, 1).getContext("2d");
  const layout = computeLayout(count, options, r.hasText ? measurer(probe) : () => 0);
  const { width, height, tile } = layout;

  // Background and text through Skia; then read back as gray.
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  const bg = Math.max(0, Math.min(255, Math.round(r.background)));
  ctx.fillStyle = `rgb(${bg},${bg},${bg})`;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = bg < 128 ? "white" : "black";
  if (options.title) {
    ctx.font = titleFont(r.fontSize);
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(options.title, width / 2, layout.titleHeight / 2, width - 2);
  }
  if (options.columnLabels?.length) {
    ctx.font = labelFont(r.fontSize);
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    const y = layout.titleHeight + layout.columnLabelHeight / 2 + r.padding / 2;
    options.columnLabels.forEach((label, c) => {
      const x = layout.labelWidth + r.padding + c * (tile + r.padding) + tile / 2;
      ctx.fillText(label, x, y, tile + r.padding);
    });
  }
  if (options.rowLabels?.length) {
    ctx.font = labelFont(r.fontSize);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const top = layout.titleHeight + layout.columnLabelHeight;
    options.rowLabels.forEach((label, row) => {
      const y = top + r.padding + row * (tile + r.padding) + tile / 2;
      ctx.fillText(label, layout.labelWidth - LABEL_PAD, y);
    });
  }
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) {
    const j = 4 * i;
    gray[i] = Math.round(0.299 * rgba[j] + 0.587 * rgba[j + 1] + 0.114 * rgba[j + 2]);
  }

  // Tiles: nearest-neighbour upscaling, written directly.
  const per = r.size * r.size;
  const level = grayLevel(options.range);
  for (let i = 0; i < count; i++) {
    const { x: x0, y: y0 } = layout.tiles[i];
    for (let y = 0; y < tile; y++) {
      const srcRow = i * per + Math.floor(y / r.scale) * r.size;
      const dst = (y0 + y) * width + x0;
      for (let x = 0; x < tile; x++) {
        gray[dst + x] = level(images[srcRow + Math.floor(x / r.scale)]);
      }
    }
  }
  return encode({ width, height, data: gray, channels: 1, depth: 8 });
}
