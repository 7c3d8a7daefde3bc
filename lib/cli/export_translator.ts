/**
 * `deno task export` for a CycleGAN run: ships the pair (`pretrained_translator.ts`) and scores
 * both directions on every test image of the source class (`eval/translation.ts`), beside two
 * baselines: the nearest training image (the training image of the target class closest to each
 * source in pixels) and, on the first {@link LATENT_BASELINE_IMAGES} sources, the latent edit
 * (each source projected into the shipped DCGAN's latent space and moved along the class
 * direction, `explore/latent_translation.ts`).
 *
 * @module
 */
import { classSplit } from "../data/class_split.ts";
import { CLASS_NAMES, type FashionMnist } from "../data/fashion_mnist.ts";
import type { Judge } from "../eval/classifier.ts";
import { type TranslationScores, translationScores } from "../eval/translation.ts";
import { classLatents } from "../explore/class_directions.ts";
import { latentEditTranslations } from "../explore/latent_translation.ts";
import { nearestImage } from "../explore/projection.ts";
import type { Generator } from "../models/generator.ts";
import type { Direction } from "../models/translator.ts";
import {
  exportTranslator,
  openTranslator,
  recordTranslatorScores,
} from "../train/pretrained_translator.ts";
import type { RunDir } from "../train/run_dir.ts";

/** Sources the latent-edit baseline translates (each is a 200-step projection). */
export const LATENT_BASELINE_IMAGES = 100;

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

const short = (s: TranslationScores) =>
  `success ${(100 * s.success).toFixed(1)}%, FID ${s.fid.toFixed(2)}, style kept ${
    s.styleKept.toFixed(3)
  }, outline kept ${s.silhouetteKept.toFixed(3)}` +
  (s.cycleError === null ? "" : `, cycle error ${s.cycleError.toFixed(4)}`);

/** Ships run `source` as `name` under `root` and records its scores; logs with `log`. */
export async function exportPair(
  source: RunDir,
  options: { name: string; label?: string; root: string; float16: boolean },
  data: FashionMnist,
  judge: Judge,
  log: (line: string) => void,
  baselineGenerator?: Generator,
): Promise<void> {
  const config = JSON.parse(Deno.readTextFileSync(source.paths.config));
  const [a, b] = [CLASS_NAMES[config.from], CLASS_NAMES[config.to]];
  const manifest = await exportTranslator(source, {
    name: options.name,
    label: options.label ?? `CycleGAN ${a} <-> ${b}`,
    root: options.root,
    float16: options.float16,
  });
  log(
    `wrote ${options.root}/${manifest.name}: ${manifest.steps} steps (${
      manifest.epochs.toFixed(2)
    } epochs)`,
  );
  const { translator } = openTranslator(manifest.name, options.root);
  try {
    const scores: Record<string, unknown> = {};
    let latents: Awaited<ReturnType<typeof classLatents>> | undefined;
    for (const direction of ["AB", "BA"] as Direction[]) {
      const [from, to] = direction === "AB" ? [config.from, config.to] : [config.to, config.from];
      const sources = testImages(data, from), targetReal = testImages(data, to);
      const translated = await translator.translate(sources, direction);
      const back = direction === "AB" ? "BA" : "AB";
      const reconstructed = await translator.translate(translated, back);
      const base = { sources, targetReal, from, to };
      const own = await translationScores(judge, { ...base, translated, reconstructed });
      const nearest = await translationScores(judge, {
        ...base,
        translated: nearestOfClass(data, sources, to),
      });
      const entry: Record<string, unknown> = { cyclegan: own, nearestTrainingImage: nearest };
      log(`${CLASS_NAMES[from]} -> ${CLASS_NAMES[to]}: ${short(own)}`);
      log(`  nearest training image: ${short(nearest)}`);
      if (baselineGenerator) {
        const few = sources.subarray(0, LATENT_BASELINE_IMAGES * 784);
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
        log(`  on ${few.length / 784} sources: CycleGAN ${short(fewOwn)}`);
        log(`  latent edit (s = ${edit.strength}): ${short(edited)}`);
      }
      scores[direction] = entry;
    }
    recordTranslatorScores(`${options.root}/${manifest.name}`, scores);
  } finally {
    translator.dispose();
  }
}
