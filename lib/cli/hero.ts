/**
 * `deno task hero`: draws the hero figure from the shipped models (`docs/hero.png`, which the
 * README and the report's front page open with).
 *
 * @module
 */
import { describeBackend } from "../backend/init_backend.ts";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { HERO_FILE, heroFigure } from "../notebook/hero.ts";
import {
  BACKEND_FLAG,
  type Command,
  type Flag,
  type FlagValues,
  HELP_FLAG,
  PRECISION_FLAG,
  runCommand,
  startBackend,
  THREADS_FLAG,
} from "./args.ts";

const FLAGS = [
  {
    name: "out",
    arg: "FILE",
    value: { type: "string" },
    help: "where the PNG goes",
    shown: "docs/hero.png",
  },
  {
    name: "n",
    arg: "N",
    value: { type: "int", min: 1, max: 32 },
    help: "images per model",
    shown: "10",
  },
  { name: "seed", arg: "N", value: { type: "int", min: 0 }, help: "noise seed", shown: "7" },
  BACKEND_FLAG,
  PRECISION_FLAG,
  THREADS_FLAG,
  HELP_FLAG,
] as const satisfies readonly Flag[];

const COMMAND: Command<typeof FLAGS> = {
  synopsis: "deno task hero [--out FILE] [--n N] [--seed N]",
  intro: "Draws each shipped model's samples, a row per model with its name, epochs and FID.",
  flags: FLAGS,
};

async function main(flags: FlagValues<typeof FLAGS>): Promise<void> {
  console.log(describeBackend(await startBackend(flags)));
  const { png, rows } = await heroFigure({ perModel: flags.n ?? 10, seed: flags.seed ?? 7 });
  const out = flags.out ?? HERO_FILE;
  writeFileAtomic(out, png);
  for (const r of rows) console.log(`${r.name}: ${r.epochs} epochs, FID ${r.fid?.toFixed(2)}`);
  console.log(`hero figure: ${out}`);
}

if (import.meta.main) await runCommand(COMMAND, main);
