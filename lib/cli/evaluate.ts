/**
 * `deno task evaluate`: every quality score of a trained run's samples, of images from a
 * `.npy` file, or of real training images (the floor), in the judge's feature space.
 *
 * @module
 */
import * as fs from "node:fs";
import { describeBackend } from "../backend/init_backend.ts";
import { CLASS_NAMES, loadFashionMnist } from "../data/fashion_mnist.ts";
import { DEFAULT_JUDGE_FILE } from "../eval/classifier.ts";
import { conditionalAccuracy } from "../eval/conditional.ts";
import { ensureJudge } from "../eval/ensure_judge.ts";
import { defaultQualityConfig, QualityJudge, type QualityScores } from "../eval/quality.ts";
import { decodeNpy, npyImages } from "../io/npy.ts";
import { balancedClasses } from "../models/generator.ts";
import { openPretrained } from "../train/pretrained.ts";
import { RunDir } from "../train/run_dir.ts";
import {
  BACKEND_FLAG,
  type Command,
  DATA_DIR_FLAG,
  exactlyOne,
  type Flag,
  type FlagValues,
  HELP_FLAG,
  PRECISION_FLAG,
  PRETRAINED_FLAG,
  RUN_FLAG,
  runCommand,
  startBackend,
  THREADS_FLAG,
  UsageError,
} from "./args.ts";
import { formatDuration } from "../train/progress_text.ts";

const FLAGS = [
  { ...RUN_FLAG, help: "sample --n images from a run's latest checkpoint ('deno task train')" },
  { ...PRETRAINED_FLAG, help: "sample --n images from a shipped model (e.g. dcgan)" },
  {
    name: "npy",
    arg: "FILE",
    value: { type: "string" },
    help: "score images from a .npy file: float32 [N, 28, 28] in [0, 1] or uint8 0..255\n" +
      "(a run's samples/*.npy grids are such files)",
  },
  {
    name: "real",
    value: { type: "boolean" },
    help: "score --n real training images (the floor a generator can reach)",
  },
  {
    name: "n",
    arg: "N",
    value: { type: "int", min: 4 },
    help: "images to sample from --run, or real images for --real",
    shown: "10000",
  },
  {
    name: "seed",
    arg: "N",
    value: { type: "int", min: 0 },
    help: "noise seed for --run",
    shown: "0",
  },
  {
    name: "floor",
    value: { type: "boolean" },
    help: "also print the real-data floor next to the scores",
  },
  { name: "json", value: { type: "boolean" }, help: "print one JSON line instead of the table" },
  {
    name: "judge",
    arg: "FILE",
    value: { type: "string" },
    help: "judge file (trained when missing)",
    shown: "assets/judge/fashion_judge.ckpt",
  },
  DATA_DIR_FLAG,
  BACKEND_FLAG,
  PRECISION_FLAG,
  THREADS_FLAG,
  HELP_FLAG,
] as const satisfies readonly Flag[];

const COMMAND: Command<typeof FLAGS> = {
  synopsis: "deno task evaluate (--run DIR | --pretrained NAME | --npy FILE | --real) [options]",
  intro: "Scores images against the 10,000 Fashion-MNIST test images with the judge classifier:\n" +
    "FID, IS analogue, precision/recall (k=3), class coverage and a memorisation check.",
  flags: FLAGS,
};

/** One row of the printed table: label, value, and the floor's value when asked for. */
function rows(s: QualityScores): [string, string][] {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const out: [string, string][] = [
    ["images", String(s.n)],
    ["FID (judge features, lower is better)", s.fid.toFixed(3)],
    ["IS analogue (1..10, higher is better)", s.is.toFixed(3)],
    ["precision (k=3)", s.precision.toFixed(4)],
    ["recall (k=3)", s.recall.toFixed(4)],
    ["class entropy (nats, max 2.303)", s.classEntropy.toFixed(4)],
    [
      "least class share (0.1 = balanced)",
      `${s.minClassShare.toFixed(4)} (${CLASS_NAMES[s.minClass]})`,
    ],
    ["class shares", s.classShares.map((v) => pct(v)).join(" ")],
    ["mean judge confidence", s.meanConfidence.toFixed(4)],
  ];
  if (s.memorisation) {
    const m = s.memorisation;
    out.push(
      [
        "median distance to nearest train image",
        `${m.medianToTrain.toFixed(3)} (test images: ${m.testMedianToTrain.toFixed(3)}, ratio ${
          m.ratio.toFixed(3)
        })`,
      ],
      ["closer to train than 99% of test images", pct(m.closerThanTestP1)],
    );
  } else {
    out.push(["memorisation", "n/a (training images)"]);
  }
  out.push(["judge test accuracy", pct(s.judgeAccuracy)]);
  return out;
}

async function main(flags: FlagValues<typeof FLAGS>): Promise<void> {
  const given = exactlyOne(COMMAND, flags, ["run", "pretrained", "npy", "real"]);
  const run = given === "run"
    ? new RunDir(flags.run!)
    : given === "pretrained"
    ? openPretrained(flags.pretrained!).run
    : undefined;
  const n = flags.n ?? 10_000, seed = flags.seed ?? 0;
  if (flags.npy !== undefined && !fs.existsSync(flags.npy)) {
    throw new UsageError(`--npy: no file at ${flags.npy}`);
  }
  const json = !!flags.json;
  const log = (line: string) => (json ? console.error(line) : console.log(line));
  log(describeBackend(await startBackend(flags)));
  const t0 = performance.now();

  // the images first, so a bad file or run fails before any scoring work
  let images: Float32Array;
  let source: Record<string, unknown>;
  let requested: Int32Array | undefined; // the classes a conditional run was asked for
  if (flags.npy !== undefined) {
    images = npyImages(decodeNpy(fs.readFileSync(flags.npy), flags.npy), flags.npy);
    source = { npy: flags.npy };
  } else if (run) {
    const generator = run.loadGenerator();
    try {
      images = await generator.sample(n, { seed });
      const from = flags.pretrained !== undefined
        ? { pretrained: flags.pretrained }
        : { run: run.dir };
      source = { ...from, model: generator.config.kind, step: generator.step, seed };
      const k = generator.config.classes;
      if (k > 0) requested = balancedClasses(n, k); // what sample() asked for
    } finally {
      generator.dispose();
    }
  } else {
    images = new Float32Array(0);
    source = { real: true };
  }
  if (images.length && images.length / 784 < 4) {
    throw new Error(
      `${flags.npy ?? run?.dir}: needs at least 4 images to score, got ${images.length / 784}`,
    );
  }

  const data = await loadFashionMnist({ dataDir: flags["data-dir"] });
  const ready = await ensureJudge({
    file: flags.judge ?? DEFAULT_JUDGE_FILE,
    data: () => Promise.resolve(data),
    onProgress: (p) => {
      if (p.step === p.stepsPerEpoch) {
        log(
          `no judge yet: training it, epoch ${p.epoch} train acc ${(100 * p.accuracy).toFixed(2)}%`,
        );
      }
    },
  });
  try {
    const quality = await QualityJudge.create(
      ready.judge,
      ready.meta,
      data,
      defaultQualityConfig(),
    );
    const scores = flags.real ? await quality.realFloor(n) : await quality.score(images);
    const floor = flags.floor && !flags.real ? await quality.realFloor() : undefined;
    const conditional = requested
      ? await conditionalAccuracy(ready.judge, images, requested)
      : undefined;
    const seconds = (performance.now() - t0) / 1000;
    if (json) {
      const extra = { ...(floor ? { floor } : {}), ...(conditional ? { conditional } : {}) };
      console.log(JSON.stringify({ ...source, ...scores, ...extra, seconds }));
      return;
    }
    const mine = rows(scores), theirs = floor ? rows(floor) : undefined;
    const width = Math.max(...mine.map(([k]) => k.length));
    console.log(`\nscores of ${JSON.stringify(source)} vs the test split:`);
    if (theirs) console.log(`${"".padEnd(width)}  this set  |  real training images (floor)`);
    mine.forEach(([k, v], i) => {
      console.log(`${k.padEnd(width)}  ${v}${theirs ? `  |  ${theirs[i][1]}` : ""}`);
    });
    if (conditional) {
      console.log(
        `class-conditional: the judge agrees with the requested class for ${
          (100 * conditional.accuracy).toFixed(2)
        }% (per class ${conditional.perClass.map((a) => (100 * a).toFixed(0)).join(" ")})`,
      );
    }
    console.log(
      `judge ${ready.file} (sha256 ${ready.meta.weightsSha256.slice(0, 16)}…); ${
        formatDuration(seconds)
      }`,
    );
  } finally {
    ready.judge.dispose();
  }
}

if (import.meta.main) await runCommand(COMMAND, main);
