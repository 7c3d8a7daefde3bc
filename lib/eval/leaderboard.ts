/**
 * The leaderboard of `docs/results.md`: the report's models and the variants its section 5.3
 * names (losses, spectral normalisation, EMA, class conditioning), each trained with the same
 * budget as the others of its family and scored by the judge.
 *
 * @module
 */
import type { ModelKind } from "../models/model_config.ts";
import { MODELS } from "../models/registry.ts";
import type { QualityScores } from "./quality.ts";

/** One row: a name, its model, and the `deno task train` flags of its variant. */
export interface LeaderboardEntry {
  /** Row name (also its run directory under the leaderboard's output). */
  name: string;
  /** The model kind; its family (`MODELS[model].family`) sets the row's step budget. */
  model: ModelKind;
  /** Flags for `deno task train` beyond `--model` (without --out/--steps). */
  flags: string[];
  /** Why the row is there. */
  note: string;
}

/** The family of a row: rows of one family share one step budget. */
export function leaderboardFamily(entry: LeaderboardEntry): "mlp" | "conv" {
  return MODELS[entry.model].family;
}

/** The row's `deno task train` flags: `--model` and its variant's. */
export function leaderboardFlags(entry: LeaderboardEntry): string[] {
  return ["--model", entry.model, ...entry.flags];
}

/**
 * The rows. EMA decays are 0.99, not the usual 0.999: over a few hundred G updates a 0.999
 * average still weighs the untrained initial G by 0.999^n (0.63 after 469 updates).
 */
export const LEADERBOARD: readonly LeaderboardEntry[] = [
  { name: "mlp", model: "mlp", flags: [], note: "report A.1, BCE 0.9/0.1" },
  { name: "mlp-seed1", model: "mlp", flags: ["--seed", "1"], note: "report A.1, second seed" },
  { name: "mlp-lsgan", model: "mlp", flags: ["--loss", "lsgan"], note: "least squares" },
  { name: "mlp-hinge", model: "mlp", flags: ["--loss", "hinge"], note: "hinge" },
  {
    name: "mlp-wgan",
    model: "mlp",
    flags: ["--loss", "wgan", "--n-critic", "5"],
    note: "weight clipping 0.01, 5 D steps per G step",
  },
  {
    name: "mlp-wgan-gp",
    model: "mlp",
    flags: ["--loss", "wgan-gp", "--n-critic", "5"],
    note: "gradient penalty 10, 5 D steps per G step",
  },
  {
    name: "mlp-sn",
    model: "mlp",
    flags: ["--spectral-norm"],
    note: "BCE, spectrally normalised D",
  },
  {
    name: "mlp-ema",
    model: "mlp",
    flags: ["--ema", "0.99"],
    note: "BCE, samples from an EMA of G",
  },
  { name: "dcgan", model: "dcgan", flags: [], note: "report A.2, BCE 0.9/0.1" },
  { name: "dcgan-seed1", model: "dcgan", flags: ["--seed", "1"], note: "report A.2, second seed" },
  { name: "improved", model: "improved", flags: [], note: "report A.3" },
  {
    name: "improved-seed1",
    model: "improved",
    flags: ["--seed", "1"],
    note: "report A.3, second seed",
  },
  { name: "dcgan-lsgan", model: "dcgan", flags: ["--loss", "lsgan"], note: "least squares" },
  {
    name: "dcgan-hinge-sn",
    model: "dcgan",
    flags: ["--loss", "hinge", "--spectral-norm"],
    note: "hinge, spectrally normalised D (SN-GAN)",
  },
  {
    name: "dcgan-wgan-gp",
    model: "dcgan",
    flags: ["--loss", "wgan-gp", "--n-critic", "5"],
    note: "gradient penalty 10, 5 D steps per G step",
  },
  {
    name: "dcgan-ema",
    model: "dcgan",
    flags: ["--ema", "0.99"],
    note: "BCE, samples from an EMA of G",
  },
  { name: "cdcgan", model: "cdcgan", flags: [], note: "class-conditional DCGAN" },
];

/** What the leaderboard records of one trained row. */
export interface LeaderboardResult {
  /** Row name. */
  name: string;
  /** The row's note. */
  note: string;
  /** The two commands that reproduce it. */
  train: string;
  evaluate: string;
  /** Steps trained. */
  steps: number;
  /** Seconds per training step on this machine. */
  sPerStep: number;
  /** The judge's scores of the final generator's samples. */
  scores: QualityScores;
  /** For a conditional model: the share of images the judge assigns to the requested class. */
  classAccuracy: number | null;
}

/** The two commands of `entry` with `steps` steps into `dir`, scoring `n` samples. */
export function leaderboardCommands(
  entry: LeaderboardEntry,
  steps: number,
  dir: string,
  n: number,
): { train: string; evaluate: string } {
  return {
    train: ["deno task train", ...leaderboardFlags(entry), "--steps", String(steps), "--out", dir]
      .join(" "),
    evaluate: `deno task evaluate --run ${dir} --n ${n} --json`,
  };
}

/** The leaderboard as a Markdown table, best FID first within each family. */
export function leaderboardMarkdown(results: readonly LeaderboardResult[]): string {
  const head = [
    "| model | steps | s/step | FID | IS | precision | recall | class entropy | least class | class accuracy | notes |",
    "| ----- | ----: | -----: | --: | -: | --------: | -----: | ------------: | ----------: | -------------: | ----- |",
  ];
  const family = (name: string) => {
    const entry = LEADERBOARD.find((e) => e.name === name);
    return entry ? leaderboardFamily(entry) : "";
  };
  const sorted = [...results].sort((a, b) =>
    family(a.name).localeCompare(family(b.name)) || a.scores.fid - b.scores.fid
  );
  const rows = sorted.map((r) => {
    const s = r.scores;
    return `| ${r.name} | ${r.steps} | ${r.sPerStep.toFixed(3)} | ${s.fid.toFixed(1)} | ${
      s.is.toFixed(2)
    } | ${s.precision.toFixed(3)} | ${s.recall.toFixed(3)} | ${s.classEntropy.toFixed(3)} | ${
      s.minClassShare.toFixed(3)
    } | ${r.classAccuracy === null ? "-" : `${(100 * r.classAccuracy).toFixed(1)}%`} | ${r.note} |`;
  });
  return [...head, ...rows].join("\n");
}

/** Leaderboard results as display records (for `console.table` in a notebook). */
export function leaderboardDisplay(
  results: readonly LeaderboardResult[],
): Record<string, string>[] {
  return leaderboardMarkdown(results).split("\n").slice(2).map((line) => {
    const [model, steps, sPerStep, fid, is, precision, recall, entropy, least, accuracy, notes] =
      line.split("|").slice(1, -1).map((c) => c.trim());
    return {
      model,
      steps,
      "s/step": sPerStep,
      FID: fid,
      IS: is,
      "precision / recall": `${precision} / ${recall}`,
      "class entropy / least class": `${entropy} / ${least}`,
      "class accuracy": accuracy,
      notes,
    };
  });
}
