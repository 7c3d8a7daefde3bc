/**
 * `deno task train`: trains one of the report's GANs from the command line. Its flags are
 * declared in `train_flags.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { backendSummary, describeBackend } from "../backend/init_backend.ts";
import { batches } from "../data/batches.ts";
import { checkNamedDataDirs, loadFashionMnist, type Split } from "../data/fashion_mnist.ts";
import { DEFAULT_JUDGE_FILE } from "../eval/classifier.ts";
import { ensureJudge, type ReadyJudge } from "../eval/ensure_judge.ts";
import { QualityJudge } from "../eval/quality.ts";
import { architecture } from "../models/registry.ts";
import { GanTrainer, NonFiniteLossError } from "../train/gan_trainer.ts";
import { checkRunTarget, trainRun } from "../train/run.ts";
import type { TrainConfig } from "../train/train_config.ts";
import { runCommand, startBackend, UsageError } from "./args.ts";
import { formatDuration } from "../train/progress_text.ts";
import { stopOnInterrupt } from "./interrupt.ts";
import { ProgressLine } from "./progress_line.ts";
import { configFromFlags, CYCLEGAN, TRAIN_COMMAND, type TrainFlags } from "./train_flags.ts";
import { trainTranslator } from "./train_cycle.ts";

async function main(flags: TrainFlags): Promise<number> {
  if (flags.model === CYCLEGAN) return await trainTranslator(flags);
  const config = configFromFlags(flags);
  const dryRun = !!flags["dry-run"];
  if (!dryRun && flags.out === undefined) throw new UsageError("--out DIR is required");
  // every input a person typed is checked before the backend starts or the data loads
  checkNamedDataDirs({ dataDir: flags["data-dir"] });
  if (!dryRun) checkRunTarget(flags.out!, !!flags.resume);

  const report = await startBackend(flags);
  const out = new ProgressLine();
  out.log(describeBackend(report));
  const data = await loadFashionMnist({ dataDir: flags["data-dir"] });
  out.log(`data: ${data.train.count} training images from ${data.source}`);

  if (dryRun) return await dryRunSteps(config, data.train, out);

  const outDir = flags.out!;
  let judge: ReadyJudge | undefined;
  if (config.evalEvery > 0 || config.evalEverySteps > 0) {
    judge = await ensureJudge({
      file: flags.judge ?? DEFAULT_JUDGE_FILE,
      data: () => Promise.resolve(data),
      onProgress: (p) => {
        if (p.step === p.stepsPerEpoch) out.log(`training the judge: epoch ${p.epoch}`);
      },
    });
    out.log(
      `FID judge: ${judge.file} (test accuracy ${(100 * judge.meta.testAccuracy).toFixed(2)}%)`,
    );
  }
  const scorer = judge && await QualityJudge.create(judge.judge, judge.meta, data);
  const interrupt = stopOnInterrupt((m) => out.log(m));
  try {
    const result = await trainRun({
      outDir,
      config,
      train: data.train,
      resume: !!flags.resume,
      shouldStop: () => interrupt.requested,
      scorer,
      backend: backendSummary(report),
      command: ["deno task train", ...Deno.args].join(" "),
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
    interrupt.dispose();
    judge?.judge.dispose();
  }
}

async function dryRunSteps(config: TrainConfig, train: Split, out: ProgressLine): Promise<number> {
  for (const net of architecture(config.model, config.batchSize)) {
    out.log(`${net.network} (${net.parameters.toLocaleString("en-US")} parameters):`);
    for (const row of net.layers) {
      out.log(`  ${row.layer.padEnd(8)} [${row.outputShape.join(", ")}]  ${row.params}`);
    }
  }
  const trainer = new GanTrainer(config);
  try {
    const it = batches(train, { batchSize: config.batchSize, seed: config.seed });
    for (let i = 0; i < 2; i++) {
      const batch = it.next().value!;
      const t0 = performance.now();
      const r = await trainer.trainStep(batch.images, 1, batch.index, batch.labels);
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

if (import.meta.main) await runCommand(TRAIN_COMMAND, main);
