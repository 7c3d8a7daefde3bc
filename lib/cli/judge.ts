/**
 * `deno task judge`: trains the judge classifier that the quality scores use (or checks the
 * saved one), and prints its test accuracy and weights hash.
 *
 * @module
 */
import { describeBackend, initBackend } from "../backend/init_backend.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { DEFAULT_JUDGE_FILE, defaultJudgeConfig, judgeAccuracy } from "../eval/classifier.ts";
import { ensureJudge } from "../eval/ensure_judge.ts";
import { backendFlag, intFlag, parseFlags, runCli, threadsFlag } from "./args.ts";
import { formatDuration } from "./progress_line.ts";

const USAGE = `usage: deno task judge [--retrain] [--file FILE] [--epochs N] [--seed N]

Loads the judge classifier and re-measures its test accuracy; trains and saves it first when
the file is missing or --retrain is given.

  --file FILE     judge file (default assets/judge/fashion_judge.ckpt)
  --retrain       train a new judge and replace the file
  --epochs N      training epochs (default ${defaultJudgeConfig().epochs})
  --seed N        training seed (default 0)
  --data-dir DIR  directory holding the Fashion-MNIST IDX files
  --backend NAME  auto|tensorflow|native|wasm|cpu (default $GAN_BACKEND or auto)
  --threads N     threads of every pool (wasm, oneDNN), 1..8 (default $GAN_THREADS or the CPU count)`;

async function main(): Promise<void> {
  const flags = parseFlags(Deno.args, {
    file: { type: "string" },
    retrain: { type: "boolean" },
    epochs: { type: "string" },
    seed: { type: "string" },
    "data-dir": { type: "string" },
    backend: { type: "string" },
    threads: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (flags.help) return console.log(USAGE);
  const config = defaultJudgeConfig();
  config.epochs = intFlag(flags.epochs, "epochs", config.epochs);
  config.seed = intFlag(flags.seed, "seed", config.seed, 0);
  const backend = backendFlag(flags.backend);
  console.log(describeBackend(await initBackend({ backend, threads: threadsFlag(flags.threads) })));
  const dataDir = flags["data-dir"] as string | undefined;
  const data = await loadFashionMnist({ dataDir });
  const ready = await ensureJudge({
    file: (flags.file as string | undefined) ?? DEFAULT_JUDGE_FILE,
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
    const accuracy = judgeAccuracy(ready.judge, data.test);
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

if (import.meta.main) await runCli(USAGE, main);
