/**
 * A translation pair scored both ways on the test images of its classes (`eval/translation.ts`),
 * beside two baselines: the nearest training image (the training image of the target class
 * closest to each source in pixels) and, on the first few sources, the latent edit (each source
 * projected into a generator's latent space and moved along the class direction,
 * `latent_translation.ts`). `deno task export` records these in a shipped pair's `model.json`;
 * notebook 05 computes them for the pairs it trains.
 *
 * @module
 */
import { classSplit } from "../data/class_split.ts";
import { CLASS_NAMES, type FashionMnist } from "../data/fashion_mnist.ts";
import type { Judge } from "../eval/classifier.ts";
import { type TranslationScores, translationScores } from "../eval/translation.ts";
import type { Generator } from "../models/generator.ts";
import type { Direction, Translator } from "../models/translator.ts";
import { classLatents } from "./class_directions.ts";
import { latentEditTranslations } from "./latent_translation.ts";
import { nearestImage } from "./projection.ts";

/** Sources the latent-edit baseline translates by default (each is a 200-step projection). */
export const LATENT_BASELINE_IMAGES = 100;

/** One direction's scores: the pair's, the baselines'. */
export interface DirectionScores {
  /** The pair's own translations of every test image of the source class. */
  cyclegan: TranslationScores;
  /** The nearest training image of the target class, for each source. */
  nearestTrainingImage: TranslationScores;
  /** The latent edit and the pair on the same first sources (absent without a generator). */
  latentEdit?: { strength: number; cyclegan: TranslationScores; edit: TranslationScores };
}

/** Options of {@link scorePair}. */
export interface ScorePairOptions {
  /** The generator of the latent-edit baseline (none: no latent-edit baseline). */
  baselineGenerator?: Generator;
  /** How many sources the latent edit translates. Default {@link LATENT_BASELINE_IMAGES}. */
  latentSources?: number;
  /** Test images of each source class to score (default: all of them). */
  limit?: number;
  /** Told one line per direction and baseline. */
  log?: (line: string) => void;
}

/** A class's test images as float32 in [0, 1]. */
function testImages(data: FashionMnist, c: number): Float32Array {
  return Float32Array.from(classSplit(data.test, c).images, (v) => v / 255);
}

/** Each source's nearest training image of class `to`, in pixels: the copy-a-neighbour baseline. */
export function nearestOfClass(
  data: FashionMnist,
  sources: Float32Array,
  to: number,
): Float32Array {
  const train = classSplit(data.train, to);
  const out = new Float32Array(sources.length);
  for (let i = 0; i < sources.length / 784; i++) {
    const n = nearestImage(sources.subarray(i * 784, (i + 1) * 784), train.images, train.count);
    out.set(
      Float32Array.from(train.images.subarray(n.index * 784, (n.index + 1) * 784), (v) => v / 255),
      i * 784,
    );
  }
  return out;
}

/** Scores as one short line. */
export function formatTranslationScores(s: TranslationScores): string {
  return `success ${(100 * s.success).toFixed(1)}%, FID ${s.fid.toFixed(2)}, style kept ${
    s.styleKept.toFixed(3)
  }, outline kept ${s.silhouetteKept.toFixed(3)}` +
    `, kept while converted ${s.convertedStyleKept.toFixed(3)} / ${
      s.convertedSilhouetteKept.toFixed(3)
    }` +
    (s.cycleError === null ? "" : `, cycle error ${s.cycleError.toFixed(4)}`);
}

/**
 * Scores `translator` both ways ("AB": its class A's test images to B, "BA": back) with the
 * baselines beside it.
 *
 * @example
 * ```ts
 * const scores = await scorePair(translator, data, judge, { baselineGenerator: dcgan });
 * console.log(scores.AB.cyclegan.success, scores.AB.nearestTrainingImage.success);
 * ```
 */
export async function scorePair(
  translator: Translator,
  data: FashionMnist,
  judge: Judge,
  options: ScorePairOptions = {},
): Promise<Record<Direction, DirectionScores>> {
  const { baselineGenerator, latentSources = LATENT_BASELINE_IMAGES } = options;
  const log = options.log ?? (() => {});
  const line = formatTranslationScores;
  const scores: Partial<Record<Direction, DirectionScores>> = {};
  let latents: Awaited<ReturnType<typeof classLatents>> | undefined;
  for (const direction of ["AB", "BA"] as Direction[]) {
    const { from: a, to: b } = translator.meta;
    const [from, to] = direction === "AB" ? [a, b] : [b, a];
    const all = testImages(data, from);
    const sources = options.limit === undefined ? all : all.subarray(0, options.limit * 784);
    const targetReal = testImages(data, to);
    const translated = await translator.translate(sources, direction);
    const reconstructed = await translator.translate(translated, direction === "AB" ? "BA" : "AB");
    const base = { sources, targetReal, from, to };
    const own = await translationScores(judge, { ...base, translated, reconstructed });
    const nearest = await translationScores(judge, {
      ...base,
      translated: nearestOfClass(data, sources, to),
    });
    const entry: DirectionScores = { cyclegan: own, nearestTrainingImage: nearest };
    log(`${CLASS_NAMES[from]} -> ${CLASS_NAMES[to]}: ${line(own)}`);
    log(`  nearest training image: ${line(nearest)}`);
    if (baselineGenerator) {
      const few = sources.subarray(0, latentSources * 784);
      latents ??= await classLatents(baselineGenerator, judge);
      const edit = await latentEditTranslations(baselineGenerator, judge, few, {
        from,
        to,
        latents,
      });
      const fewOwn = await translationScores(judge, {
        ...base,
        sources: few,
        translated: translated.subarray(0, few.length),
      });
      const edited = await translationScores(judge, {
        ...base,
        sources: few,
        translated: edit.images,
      });
      entry.latentEdit = { strength: edit.strength, cyclegan: fewOwn, edit: edited };
      log(`  on ${few.length / 784} sources: CycleGAN ${line(fewOwn)}`);
      log(`  latent edit (s = ${edit.strength}): ${line(edited)}`);
    }
    scores[direction] = entry;
  }
  return scores as Record<Direction, DirectionScores>;
}
