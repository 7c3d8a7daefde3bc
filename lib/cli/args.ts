/**
 * Shared command-line plumbing: flag parsing with clear errors, and integer/choice checks.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { BACKEND_CHOICES, type BackendChoice, defaultThreads } from "../backend/init_backend.ts";

/** A usage error: the CLI prints it with the usage text and exits with status 2. */
export class UsageError extends Error {
  /** Creates a usage error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parses `args` strictly against `options` (unknown flags and missing values are UsageErrors). */
export function parseFlags(
  args: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    return values as Record<string, string | boolean | undefined>;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
}

/** Reads flag `--name` as an integer >= `min`, or returns `fallback` when absent. */
export function intFlag<T>(
  value: string | boolean | undefined,
  name: string,
  fallback: T,
  min = 1,
): number | T {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== "string" || !Number.isInteger(n) || n < min) {
    throw new UsageError(`--${name} expects an integer >= ${min}, got '${value}'`);
  }
  return n;
}

/**
 * Reads flag `--name` as a finite number in [`min`, `max`] (or [`min`, `max`) when
 * `maxExclusive`), or returns `fallback` when absent.
 */
export function floatFlag(
  value: string | boolean | undefined,
  name: string,
  fallback: number,
  range: { min: number; max: number; maxExclusive?: boolean },
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const { min, max, maxExclusive = false } = range;
  const inRange = n >= min && (maxExclusive ? n < max : n <= max);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n) || !inRange) {
    throw new UsageError(
      `--${name} expects a number in [${min}, ${max}${maxExclusive ? ")" : "]"}, got '${value}'`,
    );
  }
  return n;
}

/** Reads flag `--name` as one of `choices`, or returns `fallback` when absent. */
export function choiceFlag<C extends string>(
  value: string | boolean | undefined,
  name: string,
  choices: readonly C[],
  fallback: C,
): C {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !choices.includes(value as C)) {
    throw new UsageError(`--${name} expects one of ${choices.join("|")}, got '${value}'`);
  }
  return value as C;
}

/** Runs a CLI `main`, turning UsageErrors into usage + exit 2 and other errors into exit 1. */
export async function runCli(usage: string, main: () => Promise<number | void>): Promise<never> {
  try {
    const code = await main();
    Deno.exit(code ?? 0);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n\n${usage}`);
      Deno.exit(2);
    }
    console.error(`error: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
}

/**
 * The wasm thread count for an entry point: `--threads`, else `GAN_THREADS`, else the number of
 * logical CPUs (see `defaultThreads`).
 */
export function threadsFlag(value: string | boolean | undefined): number {
  let fallback: number;
  try {
    fallback = defaultThreads();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const n = intFlag(value, "threads", fallback);
  if (n > 8) throw new UsageError(`--threads expects an integer in 1..8, got '${value}'`);
  return n;
}

/** The backend for an entry point: `--backend`, else `GAN_BACKEND`, else `auto`. */
export function backendFlag(value: string | boolean | undefined): BackendChoice {
  return choiceFlag<BackendChoice>(
    value ?? Deno.env.get("GAN_BACKEND"),
    "backend",
    BACKEND_CHOICES,
    "auto",
  );
}
