/**
 * `deno task bench`: times training steps (`bench_step.ts`: the report's loop at batch 64, or
 * CycleGAN's at 16) after a warm-up, per model, on the selected backend. `--kernels` prints
 * per-kernel GFLOP/s instead (stock wasm, this project's kernel pack, and the native engine where
 * it starts). `--compare` times every engine in one run (`bench_compare.ts`), `--against REV`
 * beside another commit's.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { describeBackend } from "../backend/init_backend.ts";
import { MODELS } from "../models/registry.ts";
import {
  BACKEND_FLAG,
  type Command,
  type Flag,
  type FlagValues,
  HELP_FLAG,
  PRECISION_FLAG,
  runCommand,
  startBackend,
  THREADS_FLAG,
  UsageError,
} from "./args.ts";
import { Dnnl } from "../backend/native/dnnl.ts";
import { compareEngines } from "./bench_compare.ts";
import { runKernelBench } from "./bench_kernels.ts";
import { formatProfile, profileSteps } from "./bench_profile.ts";
import { BENCH_KINDS, type BenchKind, benchStep } from "./bench_step.ts";

const FLAGS = [
  {
    name: "model",
    arg: "NAME",
    value: { type: "choice", choices: [...BENCH_KINDS, "all"] },
    help: "which model to time (all: mlp and dcgan)",
    shown: "all",
  },
  {
    name: "steps",
    arg: "N",
    value: { type: "int", min: 1 },
    help: "steps timed after 3 warm-up steps",
    shown: "40 for mlp, 20 for conv models",
  },
  {
    name: "batch-size",
    arg: "N",
    value: { type: "int", min: 1 },
    help: "examples per step (of each class for cyclegan)",
    shown: "64; cyclegan 16",
  },
  BACKEND_FLAG,
  PRECISION_FLAG,
  THREADS_FLAG,
  {
    name: "compare",
    value: { type: "boolean" },
    help: "native engine (bf16 and fp32), wasm pack and stock wasm in one run, per\n" +
      "model, one process each (the conv models cannot train on stock wasm: it has no\n" +
      "filter gradient)",
  },
  {
    name: "against",
    arg: "REV",
    value: { type: "string" },
    help: "with --compare: also time the native engine of this git revision (a commit,\n" +
      "tag or branch of this repository), checked out into a temporary worktree",
  },
  {
    name: "rounds",
    arg: "N",
    value: { type: "int", min: 1 },
    help: "with --compare: time every engine N times, interleaved; report medians",
    shown: "1",
  },
  {
    name: "json",
    value: { type: "boolean" },
    help: "one JSON line per model:\n" +
      '{"model","backend","threads","batchSize","stepsTimed","sPerStep","imagesPerS","peakRssMB"}',
  },
  {
    name: "kernels",
    value: { type: "boolean" },
    help: "GFLOP/s per conv and matmul shape: stock wasm, the kernel pack, native",
  },
  { name: "quick", value: { type: "boolean" }, help: "with --kernels: fewer repetitions" },
  {
    name: "profile",
    value: { type: "boolean" },
    help: "where a step's time goes: ms, calls and GFLOP/s per kernel, and outside them",
  },
  {
    name: "stock",
    value: { type: "boolean" },
    help: "time the steps without the wasm kernel pack (stock tfjs kernels; the conv\n" +
      "models cannot train then: stock wasm has no Conv2DBackpropFilter)",
  },
  HELP_FLAG,
] as const satisfies readonly Flag[];

const COMMAND: Command<typeof FLAGS> = {
  synopsis: `deno task bench [--model ${
    [...BENCH_KINDS, "all"].join("|")
  }] [--steps N] [--backend NAME] [--json]
       deno task bench --compare [--against REV] [--rounds N] [--model NAME] [--steps N]
       deno task bench --kernels [--quick]
       deno task bench --profile [--model NAME] [--steps N]`,
  flags: FLAGS,
};

type BenchFlags = FlagValues<typeof FLAGS>;

/** The models a `--model` value names ("all": the MLP GAN and the DCGAN). */
function modelsOf(flags: BenchFlags): BenchKind[] {
  const which = flags.model ?? "all";
  return which === "all" ? ["mlp", "dcgan"] : [which as BenchKind];
}

/** Steps timed for `kind` unless `--steps` says otherwise. */
function stepsOf(flags: BenchFlags, kind: BenchKind, mlp: number, conv: number): number {
  return flags.steps ?? (kind !== "cyclegan" && MODELS[kind].family === "mlp" ? mlp : conv);
}

/** One model's benchmark result (the JSON line). */
export interface BenchResult {
  model: BenchKind;
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
export async function benchModel(
  kind: BenchKind,
  steps: number,
  batchSize: number | undefined,
  threads: number,
  backend: string = tf.getBackend(),
): Promise<BenchResult> {
  const step = benchStep(kind, batchSize);
  const times: number[] = [];
  let peak = 0;
  try {
    for (let i = 0; i < steps + 3; i++) {
      const t0 = performance.now();
      await step.run(i);
      const dt = (performance.now() - t0) / 1000;
      if (i >= 3) times.push(dt);
      peak = Math.max(peak, Deno.memoryUsage().rss);
    }
  } finally {
    step.dispose();
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
    batchSize: step.batchSize,
    stepsTimed: times.length,
    sPerStep: Number(sPerStep.toFixed(4)),
    imagesPerS: Number((step.batchSize / sPerStep).toFixed(1)),
    peakRssMB: Math.round(peak / 2 ** 20),
  };
}

async function main(flags: BenchFlags): Promise<void> {
  if (flags.compare) {
    let bf16 = false;
    try {
      bf16 = Dnnl.open().info.bf16;
    } catch {
      // no oneDNN: the native rows will say so
    }
    return await compareEngines({
      kinds: modelsOf(flags),
      passThrough: (["threads", "steps", "batch-size"] as const).flatMap((k) =>
        flags[k] !== undefined ? [`--${k}`, String(flags[k])] : []
      ),
      rounds: flags.rounds ?? 1,
      against: flags.against,
      bf16,
    });
  }
  if (flags.against !== undefined || flags.rounds !== undefined) {
    throw new UsageError("--against and --rounds go with --compare");
  }
  const report = await startBackend(flags, { wasmTrainingKernels: !flags.stock });
  if (!flags.json) console.log(describeBackend(report));
  if (flags.kernels) return await runKernelBench((l) => console.log(l), !!flags.quick);

  const kinds = modelsOf(flags);
  if (flags.profile) {
    for (const kind of kinds) {
      for (
        const line of formatProfile(kind, await profileSteps(kind, stepsOf(flags, kind, 40, 10)))
      ) {
        console.log(line);
      }
      console.log("");
    }
    return;
  }
  const batchSize = flags["batch-size"];
  for (const kind of kinds) {
    const steps = stepsOf(flags, kind, 40, 20);
    let r: BenchResult;
    try {
      r = await benchModel(
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

if (import.meta.main) await runCommand(COMMAND, main);
