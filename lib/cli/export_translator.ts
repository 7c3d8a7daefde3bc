/**
 * `deno task export` for a CycleGAN run: ships the pair (`pretrained_translator.ts`) and scores
 * both directions on every test image of the source class beside the nearest-training-image and
 * latent-edit baselines (`explore/pair_scores.ts`), into the shipped pair's `model.json`; scores a
 * shipped pair again in place (`--rescore`).
 *
 * @module
 */
import { CLASS_NAMES, type FashionMnist } from "../data/fashion_mnist.ts";
import type { Judge } from "../eval/classifier.ts";
import { scorePair } from "../explore/pair_scores.ts";
import type { Generator } from "../models/generator.ts";
import {
  exportTranslator,
  openTranslator,
  recordTranslatorScores,
} from "../train/pretrained_translator.ts";
import type { RunDir } from "../train/run_dir.ts";

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
  await scoreShippedPair(
    { name: manifest.name, root: options.root },
    data,
    judge,
    log,
    baselineGenerator,
  );
}

/**
 * Scores the shipped pair `name` under `root` both ways beside the baselines (the latent edit
 * where `baselineGenerator` is given) and records the scores in its `model.json`, its weights
 * untouched: what `deno task export --rescore` runs.
 */
export async function scoreShippedPair(
  options: { name: string; root: string },
  data: FashionMnist,
  judge: Judge,
  log: (line: string) => void,
  baselineGenerator?: Generator,
): Promise<void> {
  const { translator } = openTranslator(options.name, options.root);
  try {
    const scores = await scorePair(translator, data, judge, { baselineGenerator, log });
    recordTranslatorScores(`${options.root}/${options.name}`, scores);
  } finally {
    translator.dispose();
  }
}
