/**
 * `deno task leaderboard`: trains every row of the leaderboard (`lib/eval/leaderboard.ts`) with
 * its family's step budget, scores each with the judge, and writes `results.json` and
 * `results.md` into `--out`. Finished rows are kept: rerunning continues where it stopped.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { backendSummary, describeBackend } from "../backend/init_backend.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { DEFAULT_JUDGE_FILE } from "../eval/classifier.ts";
import { conditionalAccuracy } from "../eval/conditional.ts";
import { ensureJudge } from "../eval/ensure_judge.ts";
import {
  LEADERBOARD,
  leaderboardCommands,
  leaderboardFamily,
  leaderboardFlags,
  leaderboardMarkdown,
  type LeaderboardResult,
} from "../eval/leaderboard.ts";
import { QualityJudge } from "../eval/quality.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { balancedClasses } from "../models/generator.ts";
import { trainRun } from "../train/run.ts";
import { RunDir } from "../train/run_dir.ts";
import {
  BACKEND_FLAG,
  type Command,
  DATA_DIR_FLAG,
  type Flag,
  type FlagValues,
  HELP_FLAG,
  PRECISION_FLAG,
  runCommand,
  startBackend,
  THREADS_FLAG,
  UsageError,
} from "./args.ts";
import { formatDuration } from "../train/progress_text.ts";
import { configFromFlags, parseTrainFlags } from "./train_flags.ts";

/**
 * The budgets of `docs/results.md`: five epochs per MLP row and 1,000 steps per conv row (about
 * the same time per row on the native engine), 10,000 samples per score (FID's usual n).
 */
const DEFAULTS = { mlpSteps: 4690, convSteps: 1000, samples: 10_000 };

const FLAGS = [
  {
    name: "out",
    arg: "DIR",
    value: { type: "string" },
    help: "where runs and results go",
    shown: "runs/leaderboard",
  },
  {
    name: "mlp-steps",
    arg: "N",
    value: { type: "int", min: 1 },
    help: "steps for each MLP row",
    shown: `${DEFAULTS.mlpSteps}: five epochs`,
  },
  {
    name: "conv-steps",
    arg: "N",
    value: { type: "int", min: 1 },
    help: "steps for each conv row",
    shown: String(DEFAULTS.convSteps),
  },
  {
    name: "n",
    arg: "N",
    value: { type: "int", min: 4 },
    help: "samples scored per row",
    shown: String(DEFAULTS.samples),
  },
  {
    name: "only",
    arg: "A,B",
    value: { type: "string" },
    help: `only these rows (names: ${LEADERBOARD.map((e) => e.name).join(", ")})`,
  },
  BACKEND_FLAG,
  PRECISION_FLAG,
  THREADS_FLAG,
  DATA_DIR_FLAG,
  HELP_FLAG,
] as const satisfies readonly Flag[];

const COMMAND: Command<typeof FLAGS> = {
  synopsis: "deno task leaderboard [options]",
  intro: "Trains each leaderboard row (the report's models and the variants of docs/results.md)\n" +
    "with the same step budget as the rest of its family, scores --n samples of each with the\n" +
    "judge, and writes results.json and results.md into --out. Rows already scored there are kept.",
  flags: FLAGS,
};

async function main(flags: FlagValues<typeof FLAGS>): Promise<void> {
  const out = flags.out ?? "runs/leaderboard";
  const budget = {
    mlp: flags["mlp-steps"] ?? DEFAULTS.mlpSteps,
    conv: flags["conv-steps"] ?? DEFAULTS.convSteps,
  };
  const n = flags.n ?? DEFAULTS.samples;
  const only = flags.only?.split(",") ?? null;
  for (const name of only ?? []) {
    if (!LEADERBOARD.some((e) => e.name === name)) {
      throw new UsageError(
        `--only: no row '${name}' (rows: ${LEADERBOARD.map((e) => e.name).join(", ")})`,
      );
    }
  }
  const report = await startBackend(flags);
  console.log(describeBackend(report));
  const data = await loadFashionMnist({ dataDir: flags["data-dir"] });
  const ready = await ensureJudge({ file: DEFAULT_JUDGE_FILE, data: () => Promise.resolve(data) });
  const quality = await QualityJudge.create(ready.judge, ready.meta, data);

  fs.mkdirSync(out, { recursive: true });
  const resultsFile = path.join(out, "results.json");
  let results: LeaderboardResult[] = fs.existsSync(resultsFile)
    ? JSON.parse(fs.readFileSync(resultsFile, "utf8"))
    : [];
  try {
    for (const entry of LEADERBOARD) {
      if (only && !only.includes(entry.name)) continue;
      const steps = budget[leaderboardFamily(entry)];
      const dir = path.join(out, entry.name);
      const commands = leaderboardCommands(entry, steps, dir, n);
      if (results.some((r) => r.name === entry.name && r.train === commands.train)) {
        console.log(`${entry.name}: already scored, kept`);
        continue;
      }
      fs.rmSync(dir, { recursive: true, force: true });
      const config = configFromFlags(
        parseTrainFlags([...leaderboardFlags(entry), "--steps", String(steps)]),
      );
      console.log(`${entry.name}: ${commands.train}`);
      const run = await trainRun({
        outDir: dir,
        config,
        train: data.train,
        backend: backendSummary(report),
        command: commands.train,
      });
      const sPerStep = run.seconds / Math.max(1, run.stepsThisCall);
      const generator = new RunDir(dir).loadGenerator();
      let result: LeaderboardResult;
      try {
        const t0 = performance.now();
        const images = await generator.sample(n);
        const k = generator.config.classes;
        result = {
          name: entry.name,
          note: entry.note,
          ...commands,
          steps: generator.step,
          sPerStep,
          scores: await quality.score(images),
          classAccuracy: k > 0
            ? (await conditionalAccuracy(ready.judge, images, balancedClasses(n, k))).accuracy
            : null,
        };
        console.log(
          `${entry.name}: ${generator.step} steps in ${formatDuration(run.seconds)} (${
            sPerStep.toFixed(3)
          } s/step), FID ${result.scores.fid.toFixed(2)} (scored in ${
            ((performance.now() - t0) / 1000).toFixed(0)
          } s)`,
        );
      } finally {
        generator.dispose();
      }
      results = [...results.filter((r) => r.name !== entry.name), result];
      writeFileAtomic(resultsFile, JSON.stringify(results, null, 1));
      writeFileAtomic(path.join(out, "results.md"), leaderboardMarkdown(results) + "\n");
    }
  } finally {
    ready.judge.dispose();
  }
  console.log(`\n${leaderboardMarkdown(results)}\n\nwrote ${resultsFile}`);
}

if (import.meta.main) await runCommand(COMMAND, main);
