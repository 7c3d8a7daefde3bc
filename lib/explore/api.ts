/**
 * What the explorer's server and its page say to each other: the JSON of each `/api/` route.
 * One owner for both sides (`server.ts` answers, `client.ts` asks).
 *
 * @module
 */
import type { ModelConfig } from "../models/model_config.ts";

/** `GET /api/model`: the generator the page draws with. */
export interface ModelInfo {
  /** What it is, e.g. `DCGAN (A.2)`. */
  label: string;
  /** Where it came from (a shipped model's provenance line, or the run directory). */
  source: string;
  /** Its networks' configuration. */
  config: ModelConfig;
  /** Training steps behind its weights. */
  step: number;
  /** Class names, by label. */
  classNames: string[];
  /** The dimensions the page offers sliders for first (the report's fig 4.5: 4 and 21). */
  sliderDims: number[];
  /** Whether `/api/directions` answers (unconditional models only). */
  directions: boolean;
  /** The translation pair served beside the generator (`/api/translator`), or null. */
  translator: { label: string; from: number; to: number } | null;
}

/** `GET /api/pair-images`: test images of the pair's two classes, to translate. */
export interface PairImages {
  /** Test images of class A (`from`), 784 pixels 0..255 base64 each, with their indices. */
  a: { index: number; pixels: string }[];
  /** Of class B (`to`). */
  b: { index: number; pixels: string }[];
}

/** One real test image offered for projection (`GET /api/test-images`). */
export interface TestImage {
  /** Index in the test split. */
  index: number;
  /** Its class. */
  label: number;
  /** 784 pixels, 0..255, base64. */
  pixels: string;
  /** Mean squared error (pixels in [0, 1]) of the nearest training image. */
  nearestMse: number;
  /** Index of that training image. */
  nearestIndex: number;
}

/** `GET /api/directions`: per class, the mean latent of the samples the judge puts in it. */
export interface DirectionsInfo {
  /** Mean z per class. */
  means: number[][];
  /** Samples behind each mean. */
  counts: number[];
}

/** `POST /api/judge` asks with 784 pixels in [0, 1]; the judge answers. */
export interface JudgeReading {
  /** The class it reads. */
  classIndex: number;
  /** Its name. */
  className: string;
  /** The probability it gives that class. */
  probability: number;
}

/** The dimensions of the report's fig 4.5, which the page's first sliders move. */
export const FIG_45_DIMS: readonly number[] = [4, 21];
