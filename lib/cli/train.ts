/**
 * `deno task train`: trains one of the report's GANs from the command line.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { describeBackend, initBackend } from "../backend/init_backend.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { ALL_MODEL_KINDS, type ModelKind } from "../models/model_config.ts";
import { summarize } from "../models/network.ts";
import { GanTrainer, NonFiniteLossError } from "../train/gan_trainer.ts";
import { trainRun } from "../train/run.ts";
import { defaultTrainConfig, type TrainConfig } from "../train/train_config.ts";
import { LOSS_KINDS, type LossKind } from "../train/losses.ts";
import { batches } from "../data/batches.ts";
import { DEFAULT_JUDGE_FILE } from "../eval/classifier.ts";
import { ensureJudge, type ReadyJudge } from "../eval/ensure_judge.ts";
import { QualityJudge } from "../eval/quality.ts";
import {
  backendFlag,
  choiceFlag,
  floatFlag,
  intFlag,
  parseFlags,
  runCli,
  threadsFlag,
  UsageError,
} from "./args.ts";
import { formatDuration, ProgressLine } from "./progress_line.ts";

const USAGE = `usage: deno task train --model mlp|dcgan|improved|cdcgan --out DIR [options]

  --model NAME          mlp (report A.1), dcgan (A.2), improved (A.3), or cdcgan (the DCGAN
                        conditioned on the class: 'deno task sample --class N')    (required)
  --out DIR             run directory: config.json, history.jsonl, checkpoint, samples/
  --epochs N            passes over the 60,000 training images (default 50, report 3.3)
  --steps N             stop after N steps in total, counting steps before a resume
  --batch-size N        examples per step (default 64)
  --seed N              seed for weights, data order, noise and dropout (default 0)
  --backend NAME        auto|tensorflow|native|wasm|cpu (default $GAN_BACKEND or auto)
  --threads N           threads of every pool (wasm, oneDNN), 1..8 (default $GAN_THREADS or the CPU count)
  --resume              continue the run in --out from its last checkpoint
  --sample-every N      write samples/epoch-NNN.png every N epochs (default 1)
  --checkpoint-every N  also checkpoint every N steps (default 500; 0: epoch ends only)
  --eval-every N        score FID every N epochs into quality.jsonl (default 0: off)
  --eval-every-steps N  also score FID every N steps (default 0: off)
  --eval-samples N      generated images per FID during training (default 2000)
  --loss NAME           bce (report A.4, labels 0.9/0.1), lsgan, wgan, wgan-gp or hinge
  --n-critic N          D steps per G step (default 2: the report's i % 2 == 0; WGAN uses 5)
  --lr-g X, --lr-d X    Adam learning rates of G and D (default 2e-4, report table 1)
  --ema D               sample and score from a moving average of G's weights, decay D
                        (e.g. 0.999; default 0: off)
  --spectral-norm       spectral normalisation of every D weight (default off)
  --clip C              WGAN weight clipping (default 0.01)
  --gp-weight L         WGAN-GP penalty weight (default 10)
  --judge FILE          judge for those FIDs (default assets/judge/fashion_judge.ckpt)
  --data-dir DIR        directory holding the Fashion-MNIST IDX files
  --dry-run             build, load data, run two steps, print shapes and losses; write nothing
  -h, --help            this text`;

/** The flags of `deno task train` (also how the leaderboard reads its rows' flags). */
export const TRAIN_FLAGS = {
  model: { type: "string" },
  out: { type: "string" },
  epochs: { type: "string" },
  steps: { type: "string" },
  "batch-size": { type: "string" },
  seed: { type: "string" },
  backend: { type: "string" },
  threads: { type: "string" },
  resume: { type: "boolean" },
  "sample-every": { type: "string" },
  "checkpoint-every": { type: "string" },
  "eval-every": { type: "string" },
  "eval-every-steps": { type: "string" },
  "eval-samples": { type: "string" },
  loss: { type: "string" },
  "n-critic": { type: "string" },
  "lr-g": { type: "string" },
  "lr-d": { type: "string" },
  ema: { type: "string" },
  clip: { type: "string" },
  "spectral-norm": { type: "boolean" },
  "gp-weight": { type: "string" },
  judge: { type: "string" },
  "data-dir": { type: "string" },
  "dry-run": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Parameters<typeof parseFlags>[1];

/** Builds the run's config from parsed flags. */
export function configFromFlags(flags: Record<string, string | boolean | undefined>): TrainConfig {
  if (flags.model === undefined) throw new UsageError("--model is required");
  const kind = choiceFlag<ModelKind>(flags.model, "model", ALL_MODEL_KINDS, "mlp");
  const config = defaultTrainConfig(kind);
  config.epochs = intFlag(flags.epochs, "epochs", config.epochs);
  config.maxSteps = intFlag(flags.steps, "steps", null);
  config.batchSize = intFlag(flags["batch-size"], "batch-size", config.batchSize);
  config.seed = intFlag(flags.seed, "seed", config.seed, 0);
  config.sampleEvery = intFlag(flags["sample-every"], "sample-every", config.sampleEvery);
  config.checkpointEvery = intFlag(
    flags["checkpoint-every"],
    "checkpoint-every",
    config.checkpointEvery,
    0,
  );
  config.evalEvery = intFlag(flags["eval-every"], "eval-every", config.evalEvery, 0);
  config.evalEverySteps = intFlag(
    flags["eval-every-steps"],
    "eval-every-steps",
    config.evalEverySteps,
    0,
  );
  config.evalSamples = intFlag(flags["eval-samples"], "eval-samples", config.evalSamples, 4);
  config.model.spectralNorm = !!flags["spectral-norm"];
  config.loss = choiceFlag<LossKind>(flags.loss, "loss", LOSS_KINDS, config.loss);
  config.gEvery = intFlag(flags["n-critic"], "n-critic", config.gEvery);
  config.lrG = floatFlag(flags["lr-g"], "lr-g", config.lrG, { min: 0, max: 1 });
  config.lrD = floatFlag(flags["lr-d"], "lr-d", config.lrD, { min: 0, max: 1 });
  config.emaDecay = floatFlag(flags.ema, "ema", config.emaDecay, {
    min: 0,
    max: 1,
    maxExclusive: true,
  });
  config.wganClip = floatFlag(flags.clip, "clip", config.wganClip, { min: 0, max: 100 });
  config.gpWeight = floatFlag(flags["gp-weight"], "gp-weight", config.gpWeight, {
    min: 0,
    max: 1e6,
  });
  return config;
}

async function main(): Promise<number> {
  const flags = parseFlags(Deno.args, TRAIN_FLAGS);
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const config = configFromFlags(flags);
  const dryRun = !!flags["dry-run"];
  if (!dryRun && typeof flags.out !== "string") throw new UsageError("--out DIR is required");
  const backend = backendFlag(flags.backend);

  const report = await initBackend({ backend, threads: threadsFlag(flags.threads) });
  const out = new ProgressLine();
  out.log(describeBackend(report));
  const data = await loadFashionMnist({ dataDir: flags["data-dir"] as string | undefined });
  out.log(`data: ${data.train.count} training images from ${data.source}`);

  if (dryRun) return dryRunSteps(config, data.train, out);

  const outDir = flags.out as string;
  let judge: ReadyJudge | undefined;
  if (config.evalEvery > 0 || config.evalEverySteps > 0) {
    judge = await ensureJudge({
      file: (flags.judge as string | undefined) ?? DEFAULT_JUDGE_FILE,
      data: () => Promise.resolve(data),
      onProgress: (p) => {
        if (p.step === p.stepsPerEpoch) out.log(`training the judge: epoch ${p.epoch}`);
      },
    });
    out.log(
      `FID judge: ${judge.file} (test accuracy ${(100 * judge.meta.testAccuracy).toFixed(2)}%)`,
    );
  }
  const scorer = judge && new QualityJudge(judge.judge, judge.meta, data);
  let stop = false;
  const onSigint = () => {
    if (stop) Deno.exit(130);
    stop = true;
    out.log("interrupt: finishing this step and writing a checkpoint (Ctrl-C again to quit now)");
  };
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    const result = await trainRun({
      outDir,
      config,
      train: data.train,
      resume: !!flags.resume,
      shouldStop: () => stop,
      scorer,
      callbacks: {
        onStart: (i) =>
          out.log(
            `${i.resumed ? `resuming at step ${i.startStep}` : "training"} ${config.model.kind}: ` +
              `${i.totalSteps} steps (${i.stepsPerEpoch} per epoch) into ${outDir}`,
          ),
        onStep: (r, p) => out.update(r, p),
        onEpochEnd: (e) =>
          out.log(
            `epoch ${e.epoch}: mean D ${e.meanDLoss.toFixed(4)}, mean G ${
              e.meanGLoss.toFixed(4)
            }, ` +
              `${e.steps} steps in ${formatDuration(e.seconds)} (${
                (e.seconds / Math.max(1, e.steps)).toFixed(3)
              } s/step)`,
          ),
        onSample: (file) => out.log(`samples: ${file}`),
        onQuality: (q) =>
          out.log(
            `FID ${q.fid.toFixed(3)} at step ${q.step} (epoch ${
              q.epoch.toFixed(2)
            }, ${q.samples} images, ${q.seconds.toFixed(1)} s)`,
          ),
      },
    });
    out.log(
      `${
        result.interrupted ? "stopped" : "done"
      }: step ${result.steps}, ${result.stepsThisCall} steps in ` +
        `${formatDuration(result.seconds)} (${
          (result.seconds / Math.max(1, result.stepsThisCall)).toFixed(3)
        } s/step)`,
    );
    return result.interrupted ? 130 : 0;
  } catch (err) {
    if (err instanceof NonFiniteLossError) {
      out.log(`error: ${err.message}; the last checkpoint in ${outDir} is intact`);
      return 1;
    }
    throw err;
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
    judge?.judge.dispose();
  }
}

function dryRunSteps(
  config: TrainConfig,
  train: import("../data/fashion_mnist.ts").Split,
  out: ProgressLine,
): number {
  const trainer = new GanTrainer(config);
  try {
    const z = config.model.zDim;
    for (
      const [name, net, shape] of [
        ["generator", trainer.gan.generator, [config.batchSize, z]],
        ["discriminator", trainer.gan.discriminator, [config.batchSize, 28, 28, 1]],
      ] as const
    ) {
      out.log(`${name} (${net.store.countParams().toLocaleString("en-US")} parameters):`);
      for (const row of summarize(net, [...shape], config.model.classes)) {
        out.log(`  ${row.layer.padEnd(8)} [${row.outputShape.join(", ")}]  ${row.params}`);
      }
    }
    const it = batches(train, { batchSize: config.batchSize, seed: config.seed });
    for (let i = 0; i < 2; i++) {
      const batch = it.next().value!;
      const t0 = performance.now();
      const r = trainer.trainStep(batch.images, 1, batch.index, batch.labels);
      tf.dispose([batch.images, batch.labels]);
      out.log(
        `dry-run step ${r.step}: D ${r.dLoss.toFixed(4)} G ${r.gLoss?.toFixed(4) ?? "-"} ` +
          `(${((performance.now() - t0) / 1000).toFixed(2)} s)`,
      );
    }
    out.log("dry run ok: nothing written");
    return 0;
  } finally {
    trainer.dispose();
  }
}

if (import.meta.main) await runCli(USAGE, main);
