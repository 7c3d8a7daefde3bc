import assert from "node:assert/strict";
import {
  type Command,
  type Flag,
  flagForOption,
  parseCommand,
  usage,
  UsageError,
} from "../../lib/cli/args.ts";

const FLAGS = [
  {
    name: "out",
    arg: "DIR",
    value: { type: "string" },
    help: "where",
    option: "outDir",
    required: true,
  },
  { name: "batch-size", arg: "N", value: { type: "int", min: 1 }, help: "examples", shown: "64" },
  { name: "threads", arg: "N", value: { type: "int", min: 1, max: 8 }, help: "threads" },
  {
    name: "ema",
    arg: "D",
    value: { type: "float", min: 0, max: 1, maxExclusive: true },
    help: "decay",
  },
  {
    name: "loss",
    arg: "NAME",
    value: { type: "choice", choices: ["bce", "hinge"] },
    help: "loss\nsecond line",
  },
  { name: "resume", value: { type: "boolean" }, help: "continue" },
  { name: "help", short: "h", value: { type: "boolean" }, help: "this text" },
] as const satisfies readonly Flag[];

const COMMAND: Command<typeof FLAGS> = { synopsis: "tool --out DIR [options]", flags: FLAGS };

Deno.test("flags parse to typed values, absent ones stay undefined", () => {
  const v = parseCommand(COMMAND, ["--out", "x", "--batch-size", "8", "--ema=0.5", "--resume"]);
  assert.deepEqual(v, { out: "x", "batch-size": 8, ema: 0.5, resume: true });
  assert.equal(parseCommand(COMMAND, ["-h"]).help, true, "--help skips the required check");
});

Deno.test("bad values, unknown flags, stray arguments and missing required flags are usage errors", () => {
  const cases: [string[], RegExp][] = [
    [["--out", "x", "--batch-size", "0"], /--batch-size expects an integer >= 1, got '0'/],
    [["--out", "x", "--threads", "9"], /--threads expects an integer in 1\.\.8, got '9'/],
    [["--out", "x", "--ema", "1"], /--ema expects a number in \[0, 1\), got '1'/],
    [["--out", "x", "--loss", "mse"], /--loss expects one of bce\|hinge, got 'mse'/],
    [["--out", "x", "--bogus"], /unknown flag --bogus/],
    [["--out", "x", "extra"], /unexpected argument 'extra'/],
    [["--resume"], /--out is required/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseCommand(COMMAND, args), (e: unknown) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("the usage text aligns one entry per flag with its default and continuation lines", () => {
  assert.equal(
    usage(COMMAND),
    [
      "usage: tool --out DIR [options]",
      "",
      "  --out DIR       where (required)",
      "  --batch-size N  examples (default 64)",
      "  --threads N     threads",
      "  --ema D         decay",
      "  --loss NAME     loss",
      "                  second line",
      "  --resume        continue",
      "  -h, --help      this text",
    ].join("\n"),
  );
});

Deno.test("library options are named as the flags that set them", () => {
  assert.equal(flagForOption(COMMAND, "outDir"), "--out");
  assert.equal(flagForOption(COMMAND, "batchSize"), "--batch-size");
  assert.equal(flagForOption(COMMAND, "resume"), "--resume");
  assert.equal(flagForOption(COMMAND, "emaDecay"), "emaDecay", "no flag sets it here");
});
