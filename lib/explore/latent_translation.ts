/**
 * The latent-space way to "translate" a real image to another class, the baseline a CycleGAN
 * is measured against (issue 25): project the image into an unconditional generator's latent
 * space (`projection.ts`), move its z along the class direction mean z(to) - mean z(from)
 * (`class_directions.ts`, notebook 04's edit) and draw it.
 *
 * @module
 */
import type { Judge } from "../eval/classifier.ts";
import type { Generator } from "../models/generator.ts";
import {
  classDirection,
  type ClassLatents,
  classLatents,
  editLatents,
  editSuccess,
} from "./class_directions.ts";
import { projectImages } from "./projection.ts";

/** Options of {@link latentEditTranslations}. */
export interface LatentTranslationOptions {
  /** The class of the sources. */
  from: number;
  /** The class to move them to. */
  to: number;
  /**
   * The edit's strength s in z + s (mean z(to) - mean z(from)). Default: the smallest of 0.5,
   * 1, 1.5, 2, 2.5, 3 at which the judge reads 90% of edited samples of `from` as `to` (else 3).
   */
  strength?: number;
  /** Adam steps of each projection. Default 200 (the explorer's). */
  projectionSteps?: number;
  /** The class means, when already measured (else 5,000 samples are judged). */
  latents?: ClassLatents;
}

/** The edited images `[n, 28, 28]` in [0, 1] of `sources`, and the strength used. */
export async function latentEditTranslations(
  generator: Generator,
  judge: Judge,
  sources: Float32Array,
  options: LatentTranslationOptions,
): Promise<{ images: Float32Array; strength: number }> {
  const { from, to, projectionSteps = 200 } = options;
  const latents = options.latents ?? await classLatents(generator, judge);
  let strength = options.strength;
  if (strength === undefined) {
    const tried = await editSuccess(generator, judge, latents, {
      from,
      to,
      strengths: [0.5, 1, 1.5, 2, 2.5, 3],
    });
    strength = tried.find((r) => r.toShare >= 0.9)?.strength ?? 3;
  }
  const direction = classDirection(latents, from, to), zDim = generator.config.zDim;
  const projected = await projectImages(generator, sources, { steps: projectionSteps });
  const z = new Float32Array(projected.length * zDim);
  projected.forEach((p, i) => z.set(p.z, i * zDim));
  return { images: await generator.fromLatents(editLatents(z, direction, strength)), strength };
}
