/**
 * `deno task bench`: times training steps of the report's loop (batch 64, D every step, G every
 * 2nd step on fresh noise) after a warm-up, per model, on the selected backend. `--kernels`
 * prints per-kernel GFLOP/s instead (stock wasm, this project's kernel pack, and the native
 * engine where it starts). `--compare` times every engine in one run: the native engine, the
 * wasm pack and stock wasm, each in a process of its own (so peak RSS is each one's), and
 * prints one table.
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
import { formatProfile, profileSteps } from "./bench_profile.ts";
import { backendFlag, choiceFlag, intFlag, parseFlags, runCli, threadsFlag } from "./args.ts";

const USAGE =
  `usage: deno task bench [--model mlp|dcgan|improved|all] [--steps N] [--backend NAME] [--json]
       deno task bench --compare [--model NAME] [--steps N] [--threads N]
       deno task bench --kernels [--quick]
       deno task bench --profile [--model NAME] [--steps N]

  --model NAME    which model to time (default all: mlp and dcgan)
  --steps N       steps timed after 3 warm-up steps (default 40 for mlp, 20 for conv models)
  --batch-size N  examples per step (default 64)
  --backend NAME  auto|tensorflow|native|wasm|cpu (default $GAN_BACKEND or auto)
  --threads N     threads of every pool, 1..8 (default $GAN_THREADS or the CPU count)
  --compare       native engine, wasm pack and stock wasm in one run, per model, one process
                  each (the conv models cannot train on stock wasm: it has no filter gradient)
  --json          one JSON line per model:
                  {"model","backend","threads","batchSize","stepsTimed","sPerStep","imagesPerS","peakRssMB"}
  --kernels       GFLOP/s per conv and matmul shape: stock wasm, the kernel pack, native
  --profile       where a step's time goes: ms, calls and GFLOP/s per kernel, and outside them
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
  backend: string = tf.getBackend(),
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
    backend,
    threads,
    batchSize,
    stepsTimed: times.length,
    sPerStep: Number(sPerStep.toFixed(4)),
    imagesPerS: Number((batchSize / sPerStep).toFixed(1)),
    peakRssMB: Math.round(peak / 2 ** 20),
  };
}

/** The engines `--compare` times, with the flags that select each. */
const ENGINES: { name: string; args: string[] }[] = [
  { name: "native", args: ["--backend", "native"] },
  { name: "wasm pack", args: ["--backend", "wasm"] },
  { name: "stock wasm", args: ["--backend", "wasm", "--stock"] },
];

/** `--compare`: every engine, one subprocess each, then one table with ratios to native. */
async function compare(flags: Record<string, string | boolean | undefined>): Promise<void> {
  const which = choiceFlag(flags.model, "model", [...MODEL_KINDS, "all"] as const, "all");
  const kinds: ModelKind[] = which === "all" ? ["mlp", "dcgan"] : [which];
  const pass = ["threads", "steps", "batch-size"].flatMap((k) =>
    typeof flags[k] === "string" ? [`--${k}`, flags[k] as string] : []
  );
  const rows: Record<string, string>[] = [];
  for (const kind of kinds) {
    let nativeS: number | null = null;
    for (const engine of ENGINES) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          import.meta.filename!,
          "--json",
          "--model",
          kind,
          ...engine.args,
          ...pass,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
      let r: Partial<BenchResult> & { error?: string } = {};
      try {
        r = JSON.parse(text);
      } catch {
        r = { error: new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "failed" };
      }
      if (engine.name === "native" && r.sPerStep) nativeS = r.sPerStep;
      rows.push({
        model: kind,
        engine: engine.name,
        "s/step": r.sPerStep ? r.sPerStep.toFixed(3) : "-",
        "x native": r.sPerStep && nativeS ? (r.sPerStep / nativeS).toFixed(2) : "-",
        "images/s": r.imagesPerS ? String(r.imagesPerS) : "-",
        "peak RSS MB": r.peakRssMB ? String(r.peakRssMB) : "-",
        threads: r.threads ? String(r.threads) : "-",
        note: r.error ? r.error.slice(0, 60) : "",
      });
      console.log(`${kind} on ${engine.name}: ${rows.at(-1)!["s/step"]} s/step`);
    }
  }
  console.table(rows);
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
    compare: { type: "boolean" },
    profile: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (flags.help) return console.log(USAGE);
  if (flags.compare) return await compare(flags);
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
  if (flags.profile) {
    for (const kind of kinds) {
      const steps = intFlag(flags.steps, "steps", kind === "mlp" ? 40 : 10);
      for (const line of formatProfile(kind, profileSteps(kind, steps))) console.log(line);
      console.log("");
    }
    return;
  }
  const batchSize = intFlag(flags["batch-size"], "batch-size", 64);
  for (const kind of kinds) {
    const steps = intFlag(flags.steps, "steps", kind === "mlp" ? 40 : 20);
    let r: BenchResult;
    try {
      r = benchModel(
        kind,
        steps,
        batchSize,
        report.threads,
        flags.stock ? "stock wasm" : report.name,
      );
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
