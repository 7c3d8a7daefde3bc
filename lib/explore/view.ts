/**
 * What the explorer page's panels share (`client.ts` builds it; each panel reads it).
 *
 * @module
 */
import type { Generator } from "../models/generator.ts";
import type { DirectionsInfo, JudgeReading, ModelInfo } from "./api.ts";

/** What every panel shares: the model, the latent state, and drawing the main image. */
export interface View {
  generator: Generator;
  info: ModelInfo;
  zDim: number;
  state: {
    seed: number;
    base: Float32Array;
    dims: Map<number, number>;
    classOf: number;
    edit: { from: number; to: number; strength: number };
    directions: DirectionsInfo | null;
    /** A StyleGAN's truncation (1 for every other model). */
    psi: number;
  };
  /** Whether the generator is a StyleGAN (truncation and style mixing). */
  styled: boolean;
  /** The latent vector drawn now: the seed's noise, the sliders, the class edit. */
  z(): Float32Array;
  /** The class input of `n` images (conditional models), else undefined. */
  classes(n: number): Int32Array | undefined;
  /** Redraws the main image (one drawing at a time; later changes are drawn once after). */
  draw(): Promise<void>;
  /** Resolves when the drawing under way is done. */
  settled(): Promise<void>;
  /** The main image's pixels. */
  pixels(): Float32Array;
  /** The judge's reading of the main image. */
  judge(): Promise<JudgeReading>;
}
