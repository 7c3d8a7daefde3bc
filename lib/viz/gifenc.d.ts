/**
 * Minimal type declarations for the parts of `gifenc` 1.0.3 used here (the package ships no
 * types). See https://github.com/mattdesl/gifenc for the full API.
 *
 * @module
 */

/** An RGB (or RGBA) palette entry. */
export type PaletteColor = [number, number, number] | [number, number, number, number];

/** Per-frame options of {@link Encoder.writeFrame}. */
export interface WriteFrameOptions {
  /** Palette; global on the first frame, local (per frame) on later frames. */
  palette?: PaletteColor[];
  /** Frame delay in milliseconds (stored in 1/100 s). */
  delay?: number;
  /** -1: play once, 0: loop forever, n > 0: repeat n times. Written with the first frame. */
  repeat?: number;
  /** Whether palette index `transparentIndex` is transparent. */
  transparent?: boolean;
  /** Palette index of the transparent colour. */
  transparentIndex?: number;
  /** Bits per palette index. Default 8. */
  colorDepth?: number;
  /** GIF disposal method, -1 for the default. */
  dispose?: number;
  /** Whether this is the first frame (manual mode only). */
  first?: boolean;
}

/** A streaming GIF encoder. */
export interface Encoder {
  /** Appends one frame of palette indices (one byte per pixel). */
  writeFrame(index: Uint8Array, width: number, height: number, opts?: WriteFrameOptions): void;
  /** Writes the GIF trailer. */
  finish(): void;
  /** The encoded bytes so far (a copy). */
  bytes(): Uint8Array;
  /** The encoded bytes so far (a view). */
  bytesView(): Uint8Array;
}

/** Creates an encoder; `auto` (default true) writes the header with the first frame. */
export function GIFEncoder(opts?: { auto?: boolean; initialCapacity?: number }): Encoder;

declare const gifenc: { GIFEncoder: typeof GIFEncoder };
export default gifenc;
