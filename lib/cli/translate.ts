/**
 * `deno task translate`: translates images between the two classes of a trained CycleGAN pair
 * (a shipped one, `--pretrained NAME`, or a run's latest checkpoint, `--run DIR`): reads a NumPy
 * `.npy` of `[N, 28, 28]` images in [0, 1] (float32, or uint8 0..255), writes their translations
 * as float32 `[N, 28, 28]` in [0, 1], and with `--png` a grid of the first (up to 32) inputs above
 * their translations.
 *
 * @module
 */
import * as fs from "node:fs";
import { describeBackend } from "../backend/init_backend.ts";
import { CLASS_NAMES } from "../data/fashion_mnist.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { decodeNpy, encodeNpy } from "../io/npy.ts";
import type { Translator } from "../models/translator.ts";
import { openTranslator, runTranslator } from "../train/pretrained_translator.ts";
import { RunDir } from "../train/run_dir.ts";
import { encodeGrayPng, tileImages } from "../viz/image_grid.ts";
import {
  BACKEND_FLAG,
  type Command,
  exactlyOne,
  type Flag,
  type FlagValues,
  HELP_FLAG,
  PRECISION_FLAG,
  RUN_FLAG,
  runCommand,
  startBackend,
  THREADS_FLAG,
  UsageError,
} from "./args.ts";

const FLAGS = [
  { ...RUN_FLAG, help: "a run directory written by 'deno task train --model cyclegan'" },
  {
    name: "pretrained",
    arg: "NAME",
    value: { type: "string" },
    help: "a shipped translation pair of assets/pretrained/",
  },
  {
    name: "npy",
    arg: "FILE.npy",
    value: { type: "string" },
    help: "the images: [N, 28, 28], float32 in [0, 1] or uint8",
    required: true,
  },
  {
    name: "out",
    arg: "FILE.npy",
    value: { type: "string" },
    help: "their translations, float32 [N, 28, 28] in [0, 1] (--out, --png or both)",
  },
  {
    name: "png",
    arg: "FILE",
    value: { type: "string" },
    help: "a grid: the first (up to 32) inputs above their translations",
  },
  {
    name: "reverse",
    value: { type: "boolean" },
    help: "translate B -> A (the pair's second class to its first)",
  },
  BACKEND_FLAG,
  PRECISION_FLAG,
  THREADS_FLAG,
  HELP_FLAG,
] as const satisfies readonly Flag[];

const COMMAND: Command<typeof FLAGS> = {
  synopsis:
    "deno task translate (--pretrained NAME | --run DIR) --npy IN.npy (--out OUT.npy | --png FILE | both) [--reverse]",
  flags: FLAGS,
};

/** The images of `file` as float32 in [0, 1], flat; errors name the file. */
function readImages(file: string): Float32Array {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new UsageError(`--npy: cannot read '${file}' (${(err as Error).message.split("\n")[0]})`);
  }
  const arr = decodeNpy(bytes, file);
  if (arr.shape.length !== 3 || arr.shape[1] !== 28 || arr.shape[2] !== 28) {
    throw new UsageError(`--npy: ${file} has shape [${arr.shape}], expected [N, 28, 28]`);
  }
  return arr.dtype === "|u1"
    ? Float32Array.from(arr.data, (v) => v / 255)
    : Float32Array.from(arr.data as ArrayLike<number>);
}

async function main(flags: FlagValues<typeof FLAGS>): Promise<void> {
  if (flags.out === undefined && flags.png === undefined) {
    throw new UsageError("give --out FILE.npy, --png FILE, or both");
  }
  if (flags.out !== undefined && !flags.out.endsWith(".npy")) {
    throw new UsageError(`--out must name a .npy file, got '${flags.out}'`);
  }
  const source = exactlyOne(COMMAND, flags, ["run", "pretrained"]);
  const images = readImages(flags.npy!);
  console.log(describeBackend(await startBackend(flags)));
  const translator: Translator = source === "run"
    ? runTranslator(new RunDir(flags.run!))
    : openTranslator(flags.pretrained!).translator;
  try {
    const direction = flags.reverse ? "BA" : "AB";
    const { from, to } = translator.meta;
    const [a, b] = flags.reverse ? [to, from] : [from, to];
    const out = await translator.translate(images, direction);
    const n = images.length / 784;
    const what = `${n} images ${CLASS_NAMES[a]} -> ${CLASS_NAMES[b]}`;
    if (flags.out !== undefined) {
      writeFileAtomic(flags.out, encodeNpy(out, [n, 28, 28]));
      console.log(`wrote ${what} to ${flags.out}`);
    }
    if (flags.png !== undefined) {
      const shown = Math.min(n, 32), columns = Math.min(shown, 8);
      // rows of `columns` inputs, each followed by the row of their translations
      const rows = Math.ceil(shown / columns);
      const tiles = new Float32Array(2 * rows * columns * 784); // a short last row: black tiles
      for (let r = 0; r * columns < shown; r++) {
        const k = Math.min(columns, shown - r * columns), at = 2 * r * columns * 784;
        tiles.set(images.subarray(r * columns * 784, (r * columns + k) * 784), at);
        tiles.set(out.subarray(r * columns * 784, (r * columns + k) * 784), at + columns * 784);
      }
      writeFileAtomic(flags.png, encodeGrayPng(tileImages(tiles, 28, { columns, range: [0, 1] })));
      console.log(`wrote a grid of ${shown} of ${what} to ${flags.png}`);
    }
  } finally {
    translator.dispose();
  }
}

if (import.meta.main) await runCommand(COMMAND, main);
