/**
 * Animated grayscale GIFs (e.g. the same latent vectors' samples over training epochs), encoded
 * with `gifenc` (pure JavaScript, no dependencies). Frames are 8-bit gray rasters; the GIF uses
 * one global 256-entry gray palette (index = gray level), so there is no quantisation loss.
 *
 * @module
 */
// @ts-types="./gifenc.d.ts"
import gifenc from "gifenc";

/** One 8-bit grayscale frame. */
export interface GrayFrame {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Row-major gray levels, `width * height` bytes. */
  data: Uint8Array;
}

/** Options for {@link animatedGif}. */
export interface AnimatedGifOptions {
  /** Delay of every frame in milliseconds (GIF stores 1/100 s, so it is rounded). Default 500. */
  delayMs?: number;
  /** Loop forever (true, default) or play once (false). */
  loop?: boolean;
}

/** The 256-entry gray palette: entry i is (i, i, i). */
const GRAY_PALETTE: [number, number, number][] = Array.from(
  { length: 256 },
  (_, i) => [i, i, i],
);

/**
 * Encodes `frames` as an animated GIF89a and returns its bytes. All frames must have the same
 * size and exactly `width * height` bytes; at least one frame is required.
 */
export function animatedGif(
  frames: readonly GrayFrame[],
  options: AnimatedGifOptions = {},
): Uint8Array {
  if (frames.length === 0) throw new Error("animatedGif: no frames");
  const { width, height } = frames[0];
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`animatedGif: bad frame size ${width}x${height}`);
  }
  if (width > 65535 || height > 65535) {
    throw new Error(`animatedGif: ${width}x${height} exceeds the GIF limit of 65535`);
  }
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height) {
      throw new Error(
        `animatedGif: frame ${i} is ${f.width}x${f.height}, frame 0 is ${width}x${height}`,
      );
    }
    if (f.data.length !== width * height) {
      throw new Error(
        `animatedGif: frame ${i} has ${f.data.length} bytes, expected ${width * height}`,
      );
    }
  });
  const delay = Math.max(0, options.delayMs ?? 500);
  const repeat = options.loop === false ? -1 : 0;
  const enc = gifenc.GIFEncoder();
  frames.forEach((f, i) => {
    enc.writeFrame(
      f.data,
      width,
      height,
      i === 0 ? { palette: GRAY_PALETTE, delay, repeat } : {
        delay,
      },
    );
  });
  enc.finish();
  return enc.bytes();
}
