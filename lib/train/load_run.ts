/**
 * Opening a finished (or running) run directory for sampling and evaluation.
 *
 * @module
 */
import * as fs from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { loadCheckpoint } from "./checkpoint.ts";
import { balancedClasses, GanTrainer, type TrainerMeta } from "./gan_trainer.ts";
import { runPaths } from "./run.ts";
import { withTrainDefaults } from "./train_config.ts";
import { Rng } from "../random.ts";
import { readTidy } from "../backend/read_tidy.ts";

/**
 * Loads the latest checkpoint of the run in `dir` into a new {@link GanTrainer} (the caller
 * disposes it).
 *
 * @throws naming the directory when it holds no checkpoint, or the file when it is unreadable.
 */
export function loadRun(dir: string): GanTrainer {
  const paths = runPaths(dir);
  if (!fs.existsSync(paths.checkpoint)) {
    throw new Error(
      `${dir}: no checkpoint (${paths.checkpoint}); is it a run directory from 'deno task train'?`,
    );
  }
  const ckpt = loadCheckpoint<TrainerMeta>(paths.checkpoint);
  const trainer = new GanTrainer(withTrainDefaults(ckpt.meta.config));
  try {
    trainer.restore(ckpt, paths.checkpoint);
  } catch (err) {
    trainer.dispose();
    throw err;
  }
  return trainer;
}

/**
 * Generates `n` images from `trainer`'s G in evaluation mode, as float32 `[n, 28, 28]` values
 * in [0, 1], batch by batch (`batchSize` at a time) from noise seeded by `seed`. A conditional
 * G draws class `classOf` for every image when given, else the classes in equal contiguous
 * runs ({@link balancedClasses} over all `n`).
 */
export function sampleImages(
  trainer: GanTrainer,
  n: number,
  seed: number,
  batchSize = 256,
  classOf?: number,
): Float32Array {
  const out = new Float32Array(n * 784);
  const z = trainer.config.model.zDim;
  const k = trainer.config.model.classes;
  if (
    classOf !== undefined && !(k > 0 && Number.isInteger(classOf) && classOf >= 0 && classOf < k)
  ) {
    throw new Error(
      k > 0
        ? `class ${classOf} is not one of 0..${k - 1}`
        : `${trainer.config.model.kind} is not class-conditional: it cannot sample a given class`,
    );
  }
  const classes = k > 0
    ? (classOf !== undefined ? new Int32Array(n).fill(classOf) : balancedClasses(n, k))
    : undefined;
  const rng = new Rng(seed);
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const values = readTidy(() => {
      const noise = tf.tensor2d(rng.fillNormal(new Float32Array(b * z)), [b, z]);
      const y = classes?.subarray(start, start + b);
      // [-1, 1] -> [0, 1]
      return tf.div(tf.add(trainer.generate(noise, "eval", y), 1), 2);
    });
    out.set(values, start * 784);
  }
  return out;
}

/**
 * Images `[n, 28, 28]` in [-1, 1] from the flat latent vectors `z` (`n * zDim` values), through
 * `trainer`'s G in evaluation mode.
 */
export function generateFromLatents(trainer: GanTrainer, z: Float32Array): Float32Array {
  const zDim = trainer.config.model.zDim;
  if (z.length % zDim !== 0) {
    throw new Error(`generateFromLatents: ${z.length} values are not rows of ${zDim}`);
  }
  return readTidy(() => trainer.generate(tf.tensor2d(z, [z.length / zDim, zDim]), "eval"));
}
