/**
 * The leaderboard of `docs/results.md`: the report's models and the variants its section 5.3
 * names (losses, spectral normalisation, EMA, class conditioning), each trained with the same
 * budget as the others of its family and scored by the judge.
 *
 * @module
 */
import type { QualityScores } from "./quality.ts";

/** One row: a name and the `deno task train` flags that build it (without --out/--steps). */
export interface LeaderboardEntry {
  /** Row name (also its run directory under the leaderboard's output). */
  name: string;
  /** "mlp" rows share one step budget, "conv" rows another. */
  family: "mlp" | "conv";
  /** Flags for `deno task train`. */
  flags: string[];
  /** Why the row is there. */
  note: string;
}

/**
 * The rows. EMA decays are 0.99, not the usual 0.999: over a few hundred G updates a 0.999
 * average still weighs the untrained initial G by 0.999^n (0.63 after 469 updates).
 */
export const LEADERBOARD: readonly LeaderboardEntry[] = [
  { name: "mlp", family: "mlp", flags: ["--model", "mlp"], note: "report A.1, BCE 0.9/0.1" },
  {
    name: "mlp-lsgan",
    family: "mlp",
    flags: ["--model", "mlp", "--loss", "lsgan"],
    note: "least squares",
  },
  {
    name: "mlp-hinge",
    family: "mlp",
    flags: ["--model", "mlp", "--loss", "hinge"],
    note: "hinge",
  },
  {
    name: "mlp-wgan",
    family: "mlp",
    flags: ["--model", "mlp", "--loss", "wgan", "--n-critic", "5"],
    note: "weight clipping 0.01, 5 D steps per G step",
  },
  {
    name: "mlp-wgan-gp",
    family: "mlp",
    flags: ["--model", "mlp", "--loss", "wgan-gp", "--n-critic", "5"],
    note: "gradient penalty 10, 5 D steps per G step",
  },
  {
    name: "mlp-sn",
    family: "mlp",
    flags: ["--model", "mlp", "--spectral-norm"],
    note: "BCE, spectrally normalised D",
  },
  {
    name: "mlp-ema",
    family: "mlp",
    flags: ["--model", "mlp", "--ema", "0.99"],
    note: "BCE, samples from an EMA of G",
  },
  { name: "dcgan", family: "conv", flags: ["--model", "dcgan"], note: "report A.2, BCE 0.9/0.1" },
  {
    name: "improved",
    family: "conv",
    flags: ["--model", "improved"],
    note: "report A.3",
  },
  {
    name: "dcgan-lsgan",
    family: "conv",
    flags: ["--model", "dcgan", "--loss", "lsgan"],
    note: "least squares",
  },
  {
    name: "dcgan-hinge-sn",
    family: "conv",
    flags: ["--model", "dcgan", "--loss", "hinge", "--spectral-norm"],
    note: "hinge, spectrally normalised D (SN-GAN)",
  },
  {
    name: "dcgan-wgan-gp",
    family: "conv",
    flags: ["--model", "dcgan", "--loss", "wgan-gp", "--n-critic", "5"],
    note: "gradient penalty 10, 5 D steps per G step",
  },
  {
    name: "dcgan-ema",
    family: "conv",
    flags: ["--model", "dcgan", "--ema", "0.99"],
    note: "BCE, samples from an EMA of G",
  },
  {
    name: "cdcgan",
    family: "conv",
    flags: ["--model", "cdcgan"],
    note: "class-conditional DCGAN",
  },
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
    train: ["deno task train", ...entry.flags, "--steps", String(steps), "--out", dir].join(" "),
    evaluate: `deno task evaluate --run ${dir} --n ${n} --json`,
  };
}

/** The leaderboard as a Markdown table, best FID first within each family. */
export function leaderboardMarkdown(results: readonly LeaderboardResult[]): string {
  const head = [
    "| model | steps | s/step | FID | IS | precision | recall | class entropy | least class | class accuracy | notes |",
    "| ----- | ----: | -----: | --: | -: | --------: | -----: | ------------: | ----------: | -------------: | ----- |",
  ];
  const sorted = [...results].sort((a, b) =>
    (LEADERBOARD.find((e) => e.name === a.name)?.family ?? "").localeCompare(
      LEADERBOARD.find((e) => e.name === b.name)?.family ?? "",
    ) || a.scores.fid - b.scores.fid
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
