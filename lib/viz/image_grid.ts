/**
 * Sample grids as PNG: images tiled into rows and columns. Pixel values are in [-1, 1] (the
 * networks' range) unless a grid's `range` says otherwise (e.g. [0, 1], the range of generated
 * images handed out as arrays and of `.npy` files).
 *
 * PNG encoding uses `fast-png` (pure JavaScript, no native binary, well kept), so grids can be
 * written during training on any machine.
 *
 * @module
 */
import { encode } from "fast-png";

/** Options for {@link tileImages}. */
export interface GridOptions {
  /** Tiles per row. Default: ceil(sqrt(n)). */
  columns?: number;
  /** Pixels between tiles and around the border. Default 2. */
  padding?: number;
  /** Gray level (0..255) of the padding. Default 255 (white). */
  background?: number;
  /** The pixel values drawn black and white. Default [-1, 1]. */
  range?: PixelRange;
}

/** The pixel values `[black, white]` of an image; values outside are clamped. */
export type PixelRange = readonly [number, number];

/** The networks' pixel range, the default of every grid. */
export const SIGNED_RANGE: PixelRange = [-1, 1];

/** Maps a pixel value in `range` to a gray level 0..255 (rounded, clamped). */
export function grayLevel(range: PixelRange = SIGNED_RANGE): (v: number) => number {
  const [lo, hi] = range;
  const scale = 255 / (hi - lo);
  return (v) => {
    const g = (v - lo) * scale;
    return g >= 255 ? 255 : g > 0 ? Math.round(g) : 0;
  };
}

/** A grayscale raster. */
export interface GrayImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Row-major 8-bit gray levels. */
  data: Uint8Array;
}

/**
 * Tiles `n` square images of `size`x`size` pixels (values in `options.range`, default [-1, 1],
 * row-major, one after another in `pixels`) into one grayscale raster.
 */
export function tileImages(
  pixels: Float32Array,
  size: number,
  options: GridOptions = {},
): GrayImage {
  const per = size * size;
  const n = Math.floor(pixels.length / per);
  if (n === 0 || n * per !== pixels.length) {
    throw new Error(
      `tileImages: ${pixels.length} values are not a whole number of ${size}x${size} images`,
    );
  }
  const cols = options.columns ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const pad = options.padding ?? 2;
  const width = cols * (size + pad) + pad;
  const height = rows * (size + pad) + pad;
  const data = new Uint8Array(width * height).fill(options.background ?? 255);
  const gray = grayLevel(options.range);
  for (let i = 0; i < n; i++) {
    const x0 = pad + (i % cols) * (size + pad);
    const y0 = pad + Math.floor(i / cols) * (size + pad);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        data[(y0 + y) * width + x0 + x] = gray(pixels[i * per + y * size + x]);
      }
    }
  }
  return { width, height, data };
}

/** Encodes a {@link GrayImage} as PNG bytes. */
export function encodeGrayPng(image: GrayImage): Uint8Array {
  return encode({
    width: image.width,
    height: image.height,
    data: image.data,
    channels: 1,
    depth: 8,
  });
}
