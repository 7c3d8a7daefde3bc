/**
 * `deno task train --model cyclegan --from CLASS --to CLASS --out DIR`: trains a translation pair
 * (`lib/train/cycle_run.ts`). Its flags are part of `train_flags.ts`'s one table.
 *
 * @module
 */
import { backendSummary, describeBackend } from "../backend/init_backend.ts";
import { checkNamedDataDirs, CLASS_NAMES, loadFashionMnist } from "../data/fashion_mnist.ts";
import { NonFiniteLossError } from "../train/gan_trainer.ts";
import { trainCycleRun } from "../train/cycle_run.ts";
import { checkRunTarget } from "../train/run.ts";
import { cycleProgressText, formatDuration } from "../train/progress_text.ts";
import { startBackend, UsageError } from "./args.ts";
import { stopOnInterrupt } from "./interrupt.ts";
import { ProgressLine } from "./progress_line.ts";
import { cycleConfigFromFlags, type TrainFlags } from "./train_flags.ts";

/** Trains the pair the flags name; returns the exit status. */
export async function trainTranslator(flags: TrainFlags): Promise<number> {
  const config = cycleConfigFromFlags(flags);
  if (flags["dry-run"]) throw new UsageError("--dry-run does not apply to --model cyclegan yet");
  if (flags.out === undefined) throw new UsageError("--out DIR is required");
  checkNamedDataDirs({ dataDir: flags["data-dir"] });
  checkRunTarget(flags.out, !!flags.resume);

  const report = await startBackend(flags);
  const out = new ProgressLine();
  out.log(describeBackend(report));
  const data = await loadFashionMnist({ dataDir: flags["data-dir"] });
  const [a, b] = [CLASS_NAMES[config.from], CLASS_NAMES[config.to]];
  out.log(`translating ${a} <-> ${b} (${data.source}) into ${flags.out}`);
  const interrupt = stopOnInterrupt((m) => out.log(m));
  try {
    const r = await trainCycleRun({
      outDir: flags.out,
      config,
      train: data.train,
      test: data.test,
      resume: !!flags.resume,
      shouldStop: () => interrupt.requested,
      backend: backendSummary(report),
      command: ["deno task train", ...Deno.args].join(" "),
      onStep: (record, p) => out.show(cycleProgressText(record, p), p),
      onSample: (file) => out.log(`samples: ${file}`),
    });
    out.log(
      `${r.interrupted ? "stopped" : "done"}: step ${r.steps}, ${r.stepsThisCall} steps in ` +
        `${formatDuration(r.seconds)} (${
          (r.seconds / Math.max(1, r.stepsThisCall)).toFixed(3)
        } s/step)`,
    );
    return r.interrupted ? 130 : 0;
  } catch (err) {
    if (err instanceof NonFiniteLossError) {
      out.log(`error: ${err.message}; the last checkpoint in ${flags.out} is intact`);
      return 1;
    }
    throw err;
  } finally {
    interrupt.dispose();
  }
}
