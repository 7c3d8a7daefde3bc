/**
 * `deno task explore`: serves a local page that runs a trained generator in the browser, with
 * sliders for latent dimensions, interpolation, sweeps, projection of real images and class
 * edits (`lib/explore/`). Runs until Ctrl-C.
 *
 * @module
 */
import { backendSummary, describeBackend } from "../backend/init_backend.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { DEFAULT_JUDGE_FILE } from "../eval/classifier.ts";
import { ensureJudge } from "../eval/ensure_judge.ts";
import { startExplorer } from "../explore/server.ts";
import { configLabel } from "../train/train_config.ts";
import { describePretrained, openPretrained } from "../train/pretrained.ts";
import { RunDir } from "../train/run_dir.ts";
import { openTranslator, runTranslator } from "../train/pretrained_translator.ts";
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

const FLAGS = [
  PRETRAINED_FLAG,
  RUN_FLAG,
  {
    name: "port",
    arg: "N",
    value: { type: "int", min: 0, max: 65535 },
    help: "port (0: any free one)",
    shown: "8765",
  },
  {
    name: "host",
    arg: "ADDR",
    value: { type: "string" },
    help: "interface to listen on (another than loopback makes the page reachable from others)",
    shown: "127.0.0.1",
    option: "hostname",
  },
  {
    name: "judge",
    arg: "FILE",
    value: { type: "string" },
    help: "judge for readings and class directions",
    shown: "assets/judge/fashion_judge.ckpt",
  },
  {
    name: "translator",
    arg: "NAME",
    value: { type: "string" },
    help: "also translate with a shipped CycleGAN pair of assets/pretrained/",
  },
  {
    name: "translator-run",
    arg: "DIR",
    value: { type: "string" },
    help: "also translate with the pair of a 'deno task train --model cyclegan' run",
  },
  DATA_DIR_FLAG,
  BACKEND_FLAG,
  PRECISION_FLAG,
  THREADS_FLAG,
  HELP_FLAG,
] as const satisfies readonly Flag[];

const COMMAND: Command<typeof FLAGS> = {
  synopsis:
    "deno task explore (--pretrained NAME | --run DIR) [--translator NAME | --translator-run DIR] [--port N] [--host ADDR]",
  intro:
    "Serves a page that runs the generator in your browser: latent sliders (dimensions 4 and\n" +
    "21 first, as the report's fig 4.5), interpolation, sweeps, projection of real test images\n" +
    "and edits along class directions; with a CycleGAN pair, translation between its classes.",
  flags: FLAGS,
};

async function main(flags: FlagValues<typeof FLAGS>): Promise<number> {
  const source = exactlyOne(COMMAND, flags, ["run", "pretrained"]);
  const shipped = source === "pretrained" ? openPretrained(flags.pretrained!) : undefined;
  const run = shipped?.run ?? new RunDir(flags.run!);
  const report = await startBackend(flags);
  console.log(describeBackend(report));
  if (flags.translator !== undefined && flags["translator-run"] !== undefined) {
    throw new UsageError("give --translator NAME or --translator-run DIR, not both");
  }
  const pair = flags.translator !== undefined
    ? openTranslator(flags.translator)
    : flags["translator-run"] !== undefined
    ? { translator: runTranslator(new RunDir(flags["translator-run"])), manifest: null }
    : null;
  const generator = run.loadGenerator();
  const data = await loadFashionMnist({ dataDir: flags["data-dir"] });
  const ready = await ensureJudge({
    file: flags.judge ?? DEFAULT_JUDGE_FILE,
    data: () => Promise.resolve(data),
  });
  const explorer = await startExplorer({
    generator,
    label: shipped?.manifest.label ?? configLabel(run.config()),
    source: shipped
      ? describePretrained(shipped.manifest)
      : `run ${run.dir} (${backendSummary(report)})`,
    judge: ready.judge,
    data,
    hostname: flags.host,
    port: flags.port ?? 8765,
    translator: pair
      ? {
        translator: pair.translator,
        label: pair.manifest?.label ?? `CycleGAN run ${flags["translator-run"]}`,
      }
      : undefined,
  });
  console.log(`explorer: ${explorer.url} (Ctrl-C stops it)`);
  await new Promise<void>((resolve) => Deno.addSignalListener("SIGINT", () => resolve()));
  await explorer.close();
  generator.dispose();
  pair?.translator.dispose();
  ready.judge.dispose();
  return 0;
}

if (import.meta.main) await runCommand(COMMAND, main);
