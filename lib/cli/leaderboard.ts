/**
 * `deno task leaderboard`: trains every row of the leaderboard (`lib/eval/leaderboard.ts`) with
 * its family's step budget, scores each with the judge, and writes `results.json` and
 * `results.md` into `--out`. Finished rows are kept: rerunning continues where it stopped.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describeBackend, initBackend } from "../backend/init_backend.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { DEFAULT_JUDGE_FILE } from "../eval/classifier.ts";
import { conditionalAccuracy } from "../eval/conditional.ts";
import { ensureJudge } from "../eval/ensure_judge.ts";
import {
  LEADERBOARD,
  leaderboardCommands,
  leaderboardMarkdown,
  type LeaderboardResult,
} from "../eval/leaderboard.ts";
import { QualityJudge } from "../eval/quality.ts";
import { balancedClasses } from "../train/gan_trainer.ts";
import { loadRun, sampleImages } from "../train/load_run.ts";
import { trainRun } from "../train/run.ts";
import { backendFlag, intFlag, parseFlags, runCli, threadsFlag, UsageError } from "./args.ts";
import { formatDuration } from "./progress_line.ts";
import { configFromFlags, TRAIN_FLAGS } from "./train.ts";

const USAGE = `usage: deno task leaderboard [options]

Trains each leaderboard row (the report's models and the variants of docs/results.md) with the
same step budget as the rest of its family, scores --n samples of each with the judge, and
writes results.json and results.md into --out. Rows already scored there are kept.

  --out DIR          where runs and results go (default runs/leaderboard)
  --mlp-steps N      steps for each MLP row (default 938: one epoch)
  --conv-steps N     steps for each conv row (default 200)
  --n N              samples scored per row (default 5000)
  --only A,B         only these rows (names: ${LEADERBOARD.map((e) => e.name).join(", ")})
  --backend NAME     auto|tensorflow|native|wasm|cpu (default $GAN_BACKEND or auto)
  --threads N        threads of every pool (wasm, oneDNN), 1..8 (default $GAN_THREADS or the CPU count)
  --data-dir DIR     directory holding the Fashion-MNIST IDX files`;

function writeAtomic(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

async function main(): Promise<void> {
  const flags = parseFlags(Deno.args, {
    out: { type: "string" },
    "mlp-steps": { type: "string" },
    "conv-steps": { type: "string" },
    n: { type: "string" },
    only: { type: "string" },
    backend: { type: "string" },
    threads: { type: "string" },
    "data-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (flags.help) return console.log(USAGE);
  const out = (flags.out as string | undefined) ?? "runs/leaderboard";
  const budget = {
    mlp: intFlag(flags["mlp-steps"], "mlp-steps", 938) as number,
    conv: intFlag(flags["conv-steps"], "conv-steps", 200) as number,
  };
  const n = intFlag(flags.n, "n", 5000, 4) as number;
  const only = typeof flags.only === "string" ? flags.only.split(",") : null;
  for (const name of only ?? []) {
    if (!LEADERBOARD.some((e) => e.name === name)) {
      throw new UsageError(
        `--only: no row '${name}' (rows: ${LEADERBOARD.map((e) => e.name).join(", ")})`,
      );
    }
  }
  const backend = backendFlag(flags.backend);
  console.log(describeBackend(await initBackend({ backend, threads: threadsFlag(flags.threads) })));
  const data = await loadFashionMnist({ dataDir: flags["data-dir"] as string | undefined });
  const ready = await ensureJudge({ file: DEFAULT_JUDGE_FILE, data: () => Promise.resolve(data) });
  const quality = new QualityJudge(ready.judge, ready.meta, data);

  fs.mkdirSync(out, { recursive: true });
  const resultsFile = path.join(out, "results.json");
  let results: LeaderboardResult[] = fs.existsSync(resultsFile)
    ? JSON.parse(fs.readFileSync(resultsFile, "utf8"))
    : [];
  try {
    for (const entry of LEADERBOARD) {
      if (only && !only.includes(entry.name)) continue;
      const steps = budget[entry.family];
      const dir = path.join(out, entry.name);
      const commands = leaderboardCommands(entry, steps, dir, n);
      if (results.some((r) => r.name === entry.name && r.train === commands.train)) {
        console.log(`${entry.name}: already scored, kept`);
        continue;
      }
      fs.rmSync(dir, { recursive: true, force: true });
      const config = configFromFlags(
        parseFlags([...entry.flags, "--steps", String(steps)], TRAIN_FLAGS),
      );
      console.log(`${entry.name}: ${commands.train}`);
      const run = await trainRun({ outDir: dir, config, train: data.train });
      const sPerStep = run.seconds / Math.max(1, run.stepsThisCall);
      const trainer = loadRun(dir);
      let result: LeaderboardResult;
      try {
        const t0 = performance.now();
        const images = sampleImages(trainer, n, 0);
        const k = trainer.config.model.classes;
        result = {
          name: entry.name,
          note: entry.note,
          ...commands,
          steps: trainer.step,
          sPerStep,
          scores: quality.score(images),
          classAccuracy: k > 0
            ? conditionalAccuracy(ready.judge, images, balancedClasses(n, k)).accuracy
            : null,
        };
        console.log(
          `${entry.name}: ${trainer.step} steps in ${formatDuration(run.seconds)} (${
            sPerStep.toFixed(3)
          } s/step), FID ${result.scores.fid.toFixed(2)} (scored in ${
            ((performance.now() - t0) / 1000).toFixed(0)
          } s)`,
        );
      } finally {
        trainer.dispose();
      }
      results = [...results.filter((r) => r.name !== entry.name), result];
      writeAtomic(resultsFile, JSON.stringify(results, null, 1));
      writeAtomic(path.join(out, "results.md"), leaderboardMarkdown(results) + "\n");
    }
  } finally {
    ready.judge.dispose();
  }
  console.log(`\n${leaderboardMarkdown(results)}\n\nwrote ${resultsFile}`);
}

if (import.meta.main) await runCli(USAGE, main);
