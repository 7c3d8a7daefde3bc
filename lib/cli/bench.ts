/**
 * `deno task bench`: times training steps of the report's loop (batch 64, D every step, G every
 * 2nd step on fresh noise) after a warm-up, per model, on the selected backend. `--kernels`
 * prints per-kernel GFLOP/s instead (stock wasm versus this project's kernel pack).
 *
 * The images are uniform noise in [-1, 1] rather than Fashion-MNIST: a step costs the same, and
 * the benchmark then needs no dataset.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { describeBackend, initBackend } from "../backend/init_backend.ts";
import { MODEL_KINDS, type ModelKind } from "../models/model_config.ts";
import { GanTrainer } from "../train/gan_trainer.ts";
import { defaultTrainConfig } from "../train/train_config.ts";
import { Rng } from "../random.ts";
import { runKernelBench } from "./bench_kernels.ts";
import { backendFlag, choiceFlag, intFlag, parseFlags, runCli, threadsFlag } from "./args.ts";

const USAGE =
  `usage: deno task bench [--model mlp|dcgan|improved|all] [--steps N] [--backend NAME] [--json]
       deno task bench --kernels [--quick]

  --model NAME    which model to time (default all: mlp and dcgan)
  --steps N       steps timed after 3 warm-up steps (default 40 for mlp, 20 for conv models)
  --batch-size N  examples per step (default 64)
  --backend NAME  auto|tensorflow|wasm|cpu (default $GAN_BACKEND or auto)
  --threads N     wasm threads, 1..8 (default $GAN_THREADS or the CPU count)
  --json          one JSON line per model:
                  {"model","backend","threads","batchSize","stepsTimed","sPerStep","imagesPerS","peakRssMB"}
  --kernels       GFLOP/s per conv and matmul shape, stock wasm versus the kernel pack
  --stock         time the steps without the wasm kernel pack (stock tfjs kernels; the conv
                  models cannot train then: stock wasm has no Conv2DBackpropFilter)`;

/** One model's benchmark result (the JSON line). */
export interface BenchResult {
  model: ModelKind;
  backend: string;
  threads: number;
  batchSize: number;
  stepsTimed: number;
  /** Median seconds per step. */
  sPerStep: number;
  imagesPerS: number;
  peakRssMB: number;
}

/**
 * Times `steps` training steps of `kind` after 3 warm-up steps on the active backend (which
 * computes with `threads` threads); returns the median.
 */
export function benchModel(
  kind: ModelKind,
  steps: number,
  batchSize: number,
  threads: number,
): BenchResult {
  const config = defaultTrainConfig(kind);
  config.batchSize = batchSize;
  const trainer = new GanTrainer(config);
  const rng = new Rng(1);
  const images = tf.tensor4d(rng.fillUniform(new Float32Array(batchSize * 784), -1, 1), [
    batchSize,
    28,
    28,
    1,
  ]);
  const times: number[] = [];
  let peak = 0;
  try {
    for (let i = 0; i < steps + 3; i++) {
      const t0 = performance.now();
      trainer.trainStep(images, 1, i);
      const dt = (performance.now() - t0) / 1000;
      if (i >= 3) times.push(dt);
      peak = Math.max(peak, Deno.memoryUsage().rss);
    }
  } finally {
    images.dispose();
    trainer.dispose();
  }
  // median over pairs of steps, so D-only and D+G steps weigh equally
  const pairs: number[] = [];
  for (let i = 0; i + 1 < times.length; i += 2) pairs.push((times[i] + times[i + 1]) / 2);
  const sorted = (pairs.length ? pairs : times).sort((a, b) => a - b);
  const sPerStep = sorted[Math.floor(sorted.length / 2)];
  return {
    model: kind,
    backend: tf.getBackend(),
    threads,
    batchSize,
    stepsTimed: times.length,
    sPerStep: Number(sPerStep.toFixed(4)),
    imagesPerS: Number((batchSize / sPerStep).toFixed(1)),
    peakRssMB: Math.round(peak / 2 ** 20),
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(Deno.args, {
    model: { type: "string" },
    steps: { type: "string" },
    "batch-size": { type: "string" },
    backend: { type: "string" },
    threads: { type: "string" },
    json: { type: "boolean" },
    kernels: { type: "boolean" },
    quick: { type: "boolean" },
    stock: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (flags.help) return console.log(USAGE);
  const backend = backendFlag(flags.backend);
  const report = await initBackend({
    backend,
    threads: threadsFlag(flags.threads),
    wasmTrainingKernels: !flags.stock,
  });
  if (!flags.json) console.log(describeBackend(report));
  if (flags.kernels) return await runKernelBench((l) => console.log(l), !!flags.quick);

  const which = choiceFlag(flags.model, "model", [...MODEL_KINDS, "all"] as const, "all");
  const kinds: ModelKind[] = which === "all" ? ["mlp", "dcgan"] : [which];
  const batchSize = intFlag(flags["batch-size"], "batch-size", 64);
  for (const kind of kinds) {
    const steps = intFlag(flags.steps, "steps", kind === "mlp" ? 40 : 20);
    let r: BenchResult;
    try {
      r = benchModel(kind, steps, batchSize, report.threads);
    } catch (err) {
      if (!flags.stock) throw err;
      console.log(
        flags.json
          ? JSON.stringify({ model: kind, error: (err as Error).message })
          : `${kind}: ${(err as Error).message}`,
      );
      continue;
    }
    if (flags.json) console.log(JSON.stringify(r));
    else {
      console.log(
        `${r.model}: ${r.sPerStep.toFixed(3)} s/step (median of ${r.stepsTimed} steps), ` +
          `${r.imagesPerS} images/s, peak RSS ${r.peakRssMB} MB, ${r.backend} with ${r.threads} thread(s)`,
      );
    }
  }
}

if (import.meta.main) await runCli(USAGE, main);
