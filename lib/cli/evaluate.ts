/**
 * `deno task evaluate`: every quality score of a trained run's samples, of images from a
 * `.npy` file, or of real training images (the floor), in the judge's feature space.
 *
 * @module
 */
import * as fs from "node:fs";
import { describeBackend, initBackend } from "../backend/init_backend.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { CLASS_NAMES } from "../data/fashion_mnist.ts";
import { DEFAULT_JUDGE_FILE } from "../eval/classifier.ts";
import { ensureJudge } from "../eval/ensure_judge.ts";
import { decodeNpy, npyImages } from "../eval/npy.ts";
import { defaultQualityConfig, QualityJudge, type QualityScores } from "../eval/quality.ts";
import { loadRun, sampleImages } from "../train/load_run.ts";
import { balancedClasses } from "../train/gan_trainer.ts";
import { conditionalAccuracy } from "../eval/conditional.ts";
import { backendFlag, intFlag, parseFlags, runCli, threadsFlag, UsageError } from "./args.ts";
import { formatDuration } from "./progress_line.ts";

const USAGE = `usage: deno task evaluate (--run DIR | --npy FILE | --real) [options]

Scores images against the 10,000 Fashion-MNIST test images with the judge classifier:
FID, IS analogue, precision/recall (k=3), class coverage and a memorisation check.

  --run DIR       sample --n images from a run's latest checkpoint ('deno task train')
  --npy FILE      score images from a .npy file: float32 [N, 28, 28] in [0, 1] or uint8 0..255
  --real          score --n real training images (the floor a generator can reach)
  --n N           images to sample from --run, or real images for --real (default 10000)
  --seed N        noise seed for --run (default 0)
  --floor         also print the real-data floor next to the scores
  --json          print one JSON line instead of the table
  --judge FILE    judge file (default assets/judge/fashion_judge.ckpt; trained when missing)
  --data-dir DIR  directory holding the Fashion-MNIST IDX files
  --backend NAME  auto|tensorflow|native|wasm|cpu (default $GAN_BACKEND or auto)
  --threads N     threads of every pool (wasm, oneDNN), 1..8 (default $GAN_THREADS or the CPU count)`;

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

async function main(): Promise<void> {
  const flags = parseFlags(Deno.args, {
    run: { type: "string" },
    npy: { type: "string" },
    real: { type: "boolean" },
    n: { type: "string" },
    seed: { type: "string" },
    floor: { type: "boolean" },
    json: { type: "boolean" },
    judge: { type: "string" },
    "data-dir": { type: "string" },
    backend: { type: "string" },
    threads: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (flags.help) return console.log(USAGE);
  const sources = [flags.run !== undefined, flags.npy !== undefined, !!flags.real];
  if (sources.filter(Boolean).length !== 1) {
    throw new UsageError("give exactly one of --run DIR, --npy FILE or --real");
  }
  const n = intFlag(flags.n, "n", 10_000, 4) as number;
  const seed = intFlag(flags.seed, "seed", 0, 0) as number;
  if (typeof flags.npy === "string" && !fs.existsSync(flags.npy)) {
    throw new UsageError(`--npy: no file at ${flags.npy}`);
  }
  const backend = backendFlag(flags.backend);
  const json = !!flags.json;
  const log = (line: string) => (json ? console.error(line) : console.log(line));
  log(describeBackend(await initBackend({ backend, threads: threadsFlag(flags.threads) })));
  const t0 = performance.now();

  // the images first, so a bad file or run fails before any scoring work
  let images: Float32Array;
  let source: Record<string, unknown>;
  let requested: Int32Array | undefined; // the classes a conditional run was asked for
  if (typeof flags.npy === "string") {
    images = npyImages(decodeNpy(fs.readFileSync(flags.npy), flags.npy), flags.npy);
    source = { npy: flags.npy };
  } else if (typeof flags.run === "string") {
    const trainer = loadRun(flags.run);
    try {
      images = sampleImages(trainer, n, seed);
      source = { run: flags.run, model: trainer.config.model.kind, step: trainer.step, seed };
      const k = trainer.config.model.classes;
      if (k > 0) requested = balancedClasses(n, k); // what sampleImages asked for
    } finally {
      trainer.dispose();
    }
  } else {
    images = new Float32Array(0);
    source = { real: true };
  }
  if (images.length && images.length / 784 < 4) {
    throw new Error(
      `${flags.npy ?? flags.run}: needs at least 4 images to score, got ${images.length / 784}`,
    );
  }

  const data = await loadFashionMnist({ dataDir: flags["data-dir"] as string | undefined });
  const ready = await ensureJudge({
    file: (flags.judge as string | undefined) ?? DEFAULT_JUDGE_FILE,
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
    const quality = new QualityJudge(ready.judge, ready.meta, data, defaultQualityConfig());
    const scores = flags.real ? quality.realFloor(n) : quality.score(images);
    const floor = flags.floor && !flags.real ? quality.realFloor() : undefined;
    const conditional = requested ? conditionalAccuracy(ready.judge, images, requested) : undefined;
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

if (import.meta.main) await runCli(USAGE, main);
