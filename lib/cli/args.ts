/**
 * Command-line plumbing from one table per command: each flag is declared once (name, value
 * placeholder, type and range, help, default shown) and the usage text, the parsing and the
 * checks of its value are generated from that declaration. The flags every command shares
 * (`--backend`, `--threads`, `--data-dir`, `--help`) are declared here once, and
 * {@link startBackend} is the one place an entry point turns them, or `GAN_BACKEND` and
 * `GAN_THREADS`, into a backend.
 *
 * Library errors name options ({@link OptionError}); {@link runCommand} names them as this
 * command's flags (an option `outDir` set by `--out` reads `--out`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  BACKEND_CHOICES,
  backendFromEnv,
  type BackendReport,
  defaultThreads,
  initBackend,
  precisionFromEnv,
} from "../backend/init_backend.ts";
import { PRECISION_CHOICES, type PrecisionChoice } from "../backend/native/engine.ts";
import { MAX_WASM_THREADS } from "../backend/wasm/threads.ts";
import { OptionError } from "../option_error.ts";

/** A usage error: the CLI prints it with the usage text and exits with status 2. */
export class UsageError extends Error {
  /** Creates a usage error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** How a flag's value is read and checked. */
export type FlagType =
  | { type: "boolean" }
  | { type: "string" }
  | { type: "int"; min: number; max?: number }
  | { type: "float"; min: number; max: number; maxExclusive?: boolean }
  | { type: "choice"; choices: readonly string[] };

/** One flag of a command. */
export interface Flag {
  /** The name without dashes (`batch-size`). */
  name: string;
  /** A one-letter alias (`h`). */
  short?: string;
  /** The value's placeholder in the usage text (`N`, `DIR`); none for booleans. */
  arg?: string;
  /** Its type and range. */
  value: FlagType;
  /** What it does (`\n` starts a continuation line). */
  help: string;
  /** The default shown in the usage text, if any. */
  shown?: string;
  /** Whether the command needs it. */
  required?: boolean;
  /** The library option it sets when named differently from the flag (`--out`: `outDir`). */
  option?: string;
  /** What a bad value is told it should be, when the type's own phrase says too little. */
  expects?: string;
}

/** The parsed value type of a flag type. */
export type FlagValue<T extends FlagType> = T extends { type: "boolean" } ? boolean
  : T extends { type: "int" } | { type: "float" } ? number
  : string;

/** Parsed values of a command's flags, by name; absent flags are undefined. */
export type FlagValues<F extends readonly Flag[]> = {
  [E in F[number] as E["name"]]?: FlagValue<E["value"]>;
};

/** A command: its synopsis, an optional paragraph, and its flags. */
export interface Command<F extends readonly Flag[] = readonly Flag[]> {
  /** The first usage line(s) after `usage: `. */
  synopsis: string;
  /** A paragraph after the synopsis. */
  intro?: string;
  /** Every flag, in usage order. */
  flags: F;
}

/** `--backend NAME`, shared by every command that computes. */
export const BACKEND_FLAG = {
  name: "backend",
  arg: "NAME",
  value: { type: "choice", choices: BACKEND_CHOICES },
  help: BACKEND_CHOICES.join("|"),
  shown: "$GAN_BACKEND or auto",
} as const satisfies Flag;

/** `--threads N`, shared by every command that computes. */
export const THREADS_FLAG = {
  name: "threads",
  arg: "N",
  value: { type: "int", min: 1, max: MAX_WASM_THREADS },
  help: `threads of every pool (wasm, oneDNN), 1..${MAX_WASM_THREADS}`,
  shown: "$GAN_THREADS or the CPU count",
} as const satisfies Flag;

/** `--precision auto|fp32|bf16`, shared by every command that computes. */
export const PRECISION_FLAG = {
  name: "precision",
  arg: "P",
  value: { type: "choice", choices: PRECISION_CHOICES },
  help: "arithmetic of convs and matmuls on the native engine: auto|fp32|bf16 (auto: fp32;\n" +
    "bf16 is mixed precision on CPUs with avx512_bf16 or AMX, 0.8x a DCGAN step)",
  shown: "$GAN_PRECISION or auto",
} as const satisfies Flag;

/** `--run DIR`: a run directory, for commands that read a trained generator. */
export const RUN_FLAG = {
  name: "run",
  arg: "DIR",
  value: { type: "string" },
  help: "a run directory written by 'deno task train'",
} as const satisfies Flag;

/** `--pretrained NAME`: a shipped model, the other source of a trained generator. */
export const PRETRAINED_FLAG = {
  name: "pretrained",
  arg: "NAME",
  value: { type: "string" },
  help: "a shipped model of assets/pretrained/ (e.g. dcgan)",
} as const satisfies Flag;

/**
 * The one of `names` that `flags` gives (a group of alternatives such as `--run` and
 * `--pretrained`); the usage error names the group from `command`'s flag table.
 *
 * @example
 * ```ts
 * const source = exactlyOne(COMMAND, flags, ["run", "pretrained"]); // "run" or "pretrained"
 * ```
 * @throws {UsageError} "give exactly one of --run DIR or --pretrained NAME" unless exactly one
 * is given.
 */
export function exactlyOne<N extends string>(
  command: Command,
  flags: Record<string, unknown>,
  names: readonly N[],
): N {
  const given = names.filter((n) => flags[n] !== undefined && flags[n] !== false);
  if (given.length === 1) return given[0];
  const shown = names.map((n) => {
    const f = command.flags.find((f) => f.name === n);
    return `--${n}${f?.arg ? ` ${f.arg}` : ""}`;
  });
  const list = shown.length > 1 ? `${shown.slice(0, -1).join(", ")} or ${shown.at(-1)}` : shown[0];
  throw new UsageError(`give exactly one of ${list}`);
}

/** `--data-dir DIR`, for commands that load Fashion-MNIST. */
export const DATA_DIR_FLAG = {
  name: "data-dir",
  arg: "DIR",
  value: { type: "string" },
  help: "directory holding the Fashion-MNIST IDX files",
  option: "dataDir",
} as const satisfies Flag;

/** `-h, --help`. */
export const HELP_FLAG = {
  name: "help",
  short: "h",
  value: { type: "boolean" },
  help: "this text",
} as const satisfies Flag;

/** The usage text of `command`: synopsis, intro, then one aligned entry per flag. */
export function usage(command: Command): string {
  const heads = command.flags.map((f) =>
    `${f.short ? `-${f.short}, ` : ""}--${f.name}${f.arg ? ` ${f.arg}` : ""}`
  );
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  const entries = command.flags.map((f, i) => {
    const extra = [f.shown !== undefined ? `default ${f.shown}` : "", f.required ? "required" : ""]
      .filter(Boolean).join("; ");
    const lines = f.help.split("\n");
    if (extra) lines[0] += ` (${extra})`;
    return [
      `  ${heads[i].padEnd(width)}${lines[0]}`,
      ...lines.slice(1).map((l) => `  ${"".padEnd(width)}${l}`),
    ].join("\n");
  });
  return [
    `usage: ${command.synopsis}`,
    ...(command.intro ? ["", command.intro] : []),
    "",
    ...entries,
  ]
    .join("\n");
}

function checked(flag: Flag, raw: string | boolean): string | number | boolean {
  const t = flag.value;
  if (t.type === "boolean" || t.type === "string") return raw;
  const bad = (expected: string) =>
    new UsageError(`--${flag.name} expects ${flag.expects ?? expected}, got '${raw}'`);
  const text = String(raw);
  if (t.type === "choice") {
    if (!t.choices.includes(text)) throw bad(`one of ${t.choices.join("|")}`);
    return text;
  }
  const n = Number(text);
  if (t.type === "int") {
    const expected = t.max === undefined
      ? `an integer >= ${t.min}`
      : `an integer in ${t.min}..${t.max}`;
    if (!Number.isInteger(n) || n < t.min || (t.max !== undefined && n > t.max)) {
      throw bad(expected);
    }
    return n;
  }
  const inRange = n >= t.min && (t.maxExclusive ? n < t.max : n <= t.max);
  if (text.trim() === "" || !Number.isFinite(n) || !inRange) {
    throw bad(`a number in [${t.min}, ${t.max}${t.maxExclusive ? ")" : "]"}`);
  }
  return n;
}

/**
 * `--epochs -1` as `--epochs=-1`: node's parseArgs reads a value that starts with a dash as a
 * flag, and would call the flag ambiguous; joined, the value reaches the range check that
 * names what the flag expects.
 */
function joinDashValues(command: Command, args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i].startsWith("--") && !args[i].includes("=")
      ? command.flags.find((f) => `--${f.name}` === args[i])
      : undefined;
    const next = args[i + 1];
    if (flag && flag.value.type !== "boolean" && next?.startsWith("-") && !isFlag(command, next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

function isFlag(command: Command, token: string): boolean {
  const name = token.replace(/^--?/, "").split("=")[0];
  return command.flags.some((f) => f.name === name || f.short === name);
}

/** Edit distance between two short strings (for flag suggestions). */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

/**
 * The flag of `command` closest to the unknown `name` (a typo, a missing `s`, a prefix), or
 * undefined when none is close.
 *
 * @example
 * ```ts
 * closestFlag(TRAIN_COMMAND, "epoch"); // "epochs"
 * ```
 */
export function closestFlag(command: Command, name: string): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const f of command.flags) {
    const d = f.name.startsWith(name) || name.startsWith(f.name)
      ? Math.min(1, editDistance(name, f.name))
      : editDistance(name, f.name);
    if (!best || d < best.d) best = { name: f.name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? best.name : undefined;
}

/** parseArgs's errors in this CLI's words: the flag, what it expects, the closest flag. */
function explainParseError(command: Command, err: Error & { code?: string }): string {
  const option = /'(-[^' ]+)/.exec(err.message)?.[1] ?? "";
  if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const name = option.replace(/^--?/, "");
    const near = closestFlag(command, name);
    return `unknown flag ${option}${near ? `; did you mean --${near}?` : ""} (--help lists them)`;
  }
  if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = command.flags.find((f) => option === `--${f.name}` || option === `-${f.short}`);
    if (flag && flag.value.type !== "boolean") {
      return `--${flag.name} expects a value${flag.arg ? ` (${flag.arg})` : ""}`;
    }
    if (flag) return `--${flag.name} takes no value`;
  }
  return err.message;
}

/**
 * Parses `args` against `command`'s flags: unknown flags, missing values, values out of range
 * and missing required flags are {@link UsageError}s naming the flag. `--help` skips the
 * required check.
 */
export function parseCommand<F extends readonly Flag[]>(
  command: Command<F>,
  args: readonly string[],
): FlagValues<F> {
  let values: Record<string, string | boolean | undefined>, positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: joinDashValues(command, args),
      options: Object.fromEntries(command.flags.map((f) => [
        f.name,
        {
          type: f.value.type === "boolean" ? "boolean" : "string",
          ...(f.short && { short: f.short }),
        },
      ])) as Record<string, { type: "boolean" | "string"; short?: string }>,
      strict: true,
      allowPositionals: true,
    }));
  } catch (err) {
    throw new UsageError(explainParseError(command, err as Error & { code?: string }));
  }
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const out: Record<string, string | number | boolean> = {};
  for (const flag of command.flags) {
    const raw = values[flag.name];
    if (raw !== undefined) out[flag.name] = checked(flag, raw);
    else if (flag.required && !values.help) throw new UsageError(`--${flag.name} is required`);
  }
  return out as FlagValues<F>;
}

/** How `command` names a library option: its flag (`--out` for `outDir`), else the option. */
export function flagForOption(command: Command, option: string): string {
  const flag = command.flags.find((f) =>
    (f.option ?? f.name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())) === option
  );
  return flag ? `--${flag.name}` : option;
}

/**
 * Runs a command's `main` with its parsed flags: `--help` prints the usage; a
 * {@link UsageError} prints the message and the usage and exits with status 2; an
 * {@link OptionError} prints its message with the options named as this command's flags, and
 * any other error its message, exiting with status 1.
 */
export async function runCommand<F extends readonly Flag[]>(
  command: Command<F>,
  main: (flags: FlagValues<F>) => Promise<number | void>,
  args: readonly string[] = Deno.args,
): Promise<never> {
  const text = usage(command);
  try {
    const flags = parseCommand(command, args);
    if ((flags as { help?: boolean }).help) {
      console.log(text);
      Deno.exit(0);
    }
    Deno.exit((await main(flags)) ?? 0);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n\n${text}`);
      Deno.exit(2);
    }
    const message = err instanceof OptionError
      ? err.render((option) => flagForOption(command, option))
      : err instanceof Error
      ? err.message
      : String(err);
    console.error(`error: ${message}`);
    Deno.exit(1);
  }
}

/**
 * Starts the backend an entry point asks for: `--backend`, else `GAN_BACKEND`, else `auto`,
 * with `--threads`, else `GAN_THREADS`, else the CPU count, at `--precision`, else
 * `GAN_PRECISION`, else `auto`. Other backend options pass through.
 *
 * @throws {UsageError} when `GAN_BACKEND`, `GAN_THREADS` or `GAN_PRECISION` holds a bad value.
 */
export function startBackend(
  flags: { backend?: string; threads?: number; precision?: string },
  options: { wasmTrainingKernels?: boolean } = {},
): Promise<BackendReport> {
  let backend, threads, precision;
  try {
    backend = (flags.backend as ReturnType<typeof backendFromEnv> | undefined) ?? backendFromEnv();
    threads = flags.threads ?? defaultThreads();
    precision = (flags.precision as PrecisionChoice | undefined) ?? precisionFromEnv();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return initBackend({ ...options, backend, threads, precision });
}
