/**
 * `deno task judge`: trains the judge classifier that the quality scores use (or checks the
 * saved one), and prints its test accuracy and weights hash.
 *
 * @module
 */
import { describeBackend } from "../backend/init_backend.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { DEFAULT_JUDGE_FILE, defaultJudgeConfig, judgeAccuracy } from "../eval/classifier.ts";
import { ensureJudge } from "../eval/ensure_judge.ts";
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
} from "./args.ts";
import { formatDuration } from "../train/progress_text.ts";

const FLAGS = [
  {
    name: "file",
    arg: "FILE",
    value: { type: "string" },
    help: "judge file",
    shown: "assets/judge/fashion_judge.ckpt",
  },
  { name: "retrain", value: { type: "boolean" }, help: "train a new judge and replace the file" },
  {
    name: "epochs",
    arg: "N",
    value: { type: "int", min: 1 },
    help: "training epochs",
    shown: String(defaultJudgeConfig().epochs),
  },
  { name: "seed", arg: "N", value: { type: "int", min: 0 }, help: "training seed", shown: "0" },
  DATA_DIR_FLAG,
  BACKEND_FLAG,
  PRECISION_FLAG,
  THREADS_FLAG,
  HELP_FLAG,
] as const satisfies readonly Flag[];

const COMMAND: Command<typeof FLAGS> = {
  synopsis: "deno task judge [--retrain] [--file FILE] [--epochs N] [--seed N]",
  intro:
    "Loads the judge classifier and re-measures its test accuracy; trains and saves it first\n" +
    "when the file is missing or --retrain is given.",
  flags: FLAGS,
};

async function main(flags: FlagValues<typeof FLAGS>): Promise<void> {
  const config = defaultJudgeConfig();
  config.epochs = flags.epochs ?? config.epochs;
  config.seed = flags.seed ?? config.seed;
  console.log(describeBackend(await startBackend(flags)));
  const data = await loadFashionMnist({ dataDir: flags["data-dir"] });
  const ready = await ensureJudge({
    file: flags.file ?? DEFAULT_JUDGE_FILE,
    data: () => Promise.resolve(data),
    config,
    retrain: !!flags.retrain,
    onProgress: (p) => {
      if (p.step !== p.stepsPerEpoch) return;
      console.log(
        `epoch ${p.epoch}/${config.epochs}  loss ${p.loss.toFixed(4)}  train acc ${
          (100 * p.accuracy).toFixed(2)
        }%  ${formatDuration(p.seconds)}`,
      );
    },
  });
  try {
    const { meta } = ready;
    const accuracy = await judgeAccuracy(ready.judge, data.test);
    console.log(`${ready.trained ? "trained and saved" : "loaded"} ${ready.file}`);
    console.log(
      `test accuracy ${(100 * accuracy).toFixed(2)}% (recorded ${
        (100 * meta.testAccuracy).toFixed(2)
      }%), weights sha256 ${meta.weightsSha256}`,
    );
    if (ready.trained) {
      console.log(`trained in ${formatDuration(meta.trainSeconds)} on ${meta.backend}`);
    }
  } finally {
    ready.judge.dispose();
  }
}

if (import.meta.main) await runCommand(COMMAND, main);
