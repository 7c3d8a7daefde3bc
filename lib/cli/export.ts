/**
 * `deno task export`: turns a finished run into a shipped model (`assets/pretrained/<name>/`,
 * see `lib/train/pretrained.ts`; a CycleGAN run into a shipped translation pair, see
 * `export_translator.ts`) and scores it: 10,000 samples of the shipped (float16)
 * generator against the test split, the same samples from the float32 weights, and float32
 * samples of another seed (how far FID moves by sampling alone), all written to its
 * `model.json`.
 *
 * @module
 */
import { describeBackend } from "../backend/init_backend.ts";
import { loadFashionMnist } from "../data/fashion_mnist.ts";
import { conditionalAccuracy } from "../eval/conditional.ts";
import { ensureJudge } from "../eval/ensure_judge.ts";
import { QualityJudge } from "../eval/quality.ts";
import { styleScores } from "../eval/style_scores.ts";
import { balancedClasses, type Generator } from "../models/generator.ts";
import {
  exportPretrained,
  listPretrained,
  openPretrained,
  PRETRAINED_DIR,
  recordPretrainedScores,
  recordPretrainedStyle,
  TRANSLATOR_FORMAT,
} from "../train/pretrained.ts";
import { RunDir } from "../train/run_dir.ts";
import { exportPair, scoreShippedPair } from "./export_translator.ts";
import { configLabel } from "../train/train_config.ts";
import {
  BACKEND_FLAG,
  type Command,
  DATA_DIR_FLAG,
  exactlyOne,
  type Flag,
  type FlagValues,
  HELP_FLAG,
  PRECISION_FLAG,
  runCommand,
  startBackend,
  THREADS_FLAG,
  UsageError,
} from "./args.ts";

const FLAGS = [
  {
    name: "run",
    arg: "DIR",
    value: { type: "string" },
    help: "a finished run written by 'deno task train'",
  },
  {
    name: "name",
    arg: "NAME",
    value: { type: "string" },
    help: "the shipped model's name (its directory)",
    required: true,
  },
  {
    name: "rescore",
    value: { type: "boolean" },
    help: "score the shipped translation pair NAME again, baselines included (no --run)",
  },
  { name: "label", arg: "TEXT", value: { type: "string" }, help: "what it is, for tables" },
  {
    name: "root",
    arg: "DIR",
    value: { type: "string" },
    help: "where shipped models live",
    shown: "assets/pretrained",
  },
  { name: "float32", value: { type: "boolean" }, help: "keep float32 weights (default float16)" },
  {
    name: "n",
    arg: "N",
    value: { type: "int", min: 4 },
    help: "samples scored",
    shown: "10000",
  },
  {
    name: "pairs",
    arg: "N",
    value: { type: "int", min: 2 },
    help: "interpolation pairs per perceptual path length (a StyleGAN's)",
    shown: "10000",
  },
  DATA_DIR_FLAG,
  BACKEND_FLAG,
  PRECISION_FLAG,
  THREADS_FLAG,
  HELP_FLAG,
] as const satisfies readonly Flag[];

const COMMAND: Command<typeof FLAGS> = {
  synopsis: "deno task export --run DIR --name NAME [options] | --rescore --name NAME",
  intro: "Writes a finished run as a shipped model (generator, history, snapshots, scores) and\n" +
    "scores it with the judge; --rescore scores a shipped translation pair again in place.",
  flags: FLAGS,
};

async function main(flags: FlagValues<typeof FLAGS>): Promise<void> {
  const root = flags.root ?? PRETRAINED_DIR;
  const given = exactlyOne(COMMAND, flags, ["run", "rescore"]);
  if (given === "rescore" && !listPretrained(root, TRANSLATOR_FORMAT).includes(flags.name!)) {
    throw new UsageError(
      `--rescore: '${flags.name}' in ${root} is not a shipped translation pair (a generator is scored from its run, for its float32 weights: --run DIR --name ${flags.name})`,
    );
  }
  console.log(describeBackend(await startBackend(flags)));
  const source = given === "run" ? new RunDir(flags.run!) : undefined;
  if (!source || isCycleRun(source)) {
    const data = await loadFashionMnist({ dataDir: flags["data-dir"] });
    const ready = await ensureJudge({ data: () => Promise.resolve(data) });
    try {
      const options = { name: flags.name!, label: flags.label, root, float16: !flags.float32 };
      // the latent-edit baseline edits in the shipped DCGAN's latent space, where there is one
      const dcgan = listPretrained(root).includes("dcgan")
        ? openPretrained("dcgan", root).run.loadGenerator()
        : undefined;
      try {
        if (source) await exportPair(source, options, data, ready.judge, console.log, dcgan);
        else await scoreShippedPair(options, data, ready.judge, console.log, dcgan);
      } finally {
        dcgan?.dispose();
      }
    } finally {
      ready.judge.dispose();
    }
    return;
  }
  const manifest = await exportPretrained(source, {
    name: flags.name!,
    label: flags.label ?? configLabel(source.config()),
    root,
    float16: !flags.float32,
  });
  console.log(
    `wrote ${root}/${manifest.name}: generator ${
      (manifest.generator.bytes / 2 ** 20).toFixed(2)
    } MiB` +
      ` (${manifest.generator.float16 ? "float16" : "float32"}), ${manifest.steps} steps` +
      ` (${manifest.epochs.toFixed(2)} epochs)`,
  );

  const data = await loadFashionMnist({ dataDir: flags["data-dir"] });
  const ready = await ensureJudge({ data: () => Promise.resolve(data) });
  const n = flags.n ?? 10_000;
  const withGenerator = async <T>(g: Generator, use: (g: Generator) => Promise<T>): Promise<T> => {
    try {
      return await use(g);
    } finally {
      g.dispose();
    }
  };
  try {
    const quality = await QualityJudge.create(ready.judge, ready.meta, data);
    const shipped = openPretrained(manifest.name, root).run;
    const images = await withGenerator(shipped.loadGenerator(), (g) => g.sample(n));
    const scores = await quality.score(images);
    const k = source.config().model.classes;
    const classAccuracy = k > 0
      ? (await conditionalAccuracy(ready.judge, images, balancedClasses(n, k))).accuracy
      : null;
    const [fidFloat32, fidOtherSeed] = await withGenerator(
      source.loadGenerator(),
      async (
        g,
      ) => [
        await quality.fid(await g.sample(n)),
        await quality.fid(await g.sample(n, { seed: 1 })),
      ],
    );
    recordPretrainedScores(shipped.dir, {
      samples: n,
      fid: scores.fid,
      is: scores.is,
      precision: scores.precision,
      recall: scores.recall,
      classEntropy: scores.classEntropy,
      minClassShare: scores.minClassShare,
      meanConfidence: scores.meanConfidence,
      classAccuracy,
      fidFloat32,
      fidOtherSeed,
    });
    console.log(
      `FID ${scores.fid.toFixed(2)} (float32 weights: ${fidFloat32.toFixed(2)}; another seed: ${
        fidOtherSeed.toFixed(2)
      }), IS ${scores.is.toFixed(2)}, precision ${scores.precision.toFixed(3)}, recall ${
        scores.recall.toFixed(3)
      }, class entropy ${scores.classEntropy.toFixed(3)}` +
        (classAccuracy === null ? "" : `, class accuracy ${(100 * classAccuracy).toFixed(1)}%`),
    );
    if (source.config().model.kind === "stylegan") {
      await exportStyleScores(shipped, quality, { root, n, pairs: flags.pairs ?? 10_000 });
    }
  } finally {
    ready.judge.dispose();
  }
}

if (import.meta.main) await runCommand(COMMAND, main);

/**
 * A shipped StyleGAN's truncation and path-length scores (`eval/style_scores.ts`), beside the
 * shipped DCGAN's path lengths in Z where there is one, recorded in its `model.json`.
 */
async function exportStyleScores(
  shipped: RunDir,
  quality: QualityJudge,
  options: { root: string; n: number; pairs: number },
): Promise<void> {
  const { root, n, pairs } = options;
  const dcgan = listPretrained(root).includes("dcgan")
    ? openPretrained("dcgan", root).run.loadGenerator()
    : undefined;
  const style = shipped.loadGenerator();
  try {
    const s = await styleScores(style, quality, {
      compare: dcgan && { name: "DCGAN", generator: dcgan },
      samples: n,
      pairs,
    });
    recordPretrainedStyle(shipped.dir, s);
    for (const r of s.truncation) {
      console.log(
        `psi ${r.psi}: FID ${r.fid.toFixed(2)}, precision ${r.precision.toFixed(3)}, recall ${
          r.recall.toFixed(3)
        }, class entropy ${r.classEntropy.toFixed(3)}`,
      );
    }
    for (const p of s.pathLengths) {
      console.log(
        `PPL ${p.model} ${p.space.toUpperCase()} ${p.sampling} seed ${p.seed}: ${p.ppl.toFixed(2)}`,
      );
    }
  } finally {
    style.dispose();
    dcgan?.dispose();
  }
}

/** Whether `run` is a CycleGAN run (its config names the two classes). */
function isCycleRun(run: RunDir): boolean {
  try {
    const config = JSON.parse(Deno.readTextFileSync(run.paths.config));
    return typeof config.from === "number" && typeof config.to === "number";
  } catch {
    return false;
  }
}
