/**
 * `deno task bench --compare`: the engines side by side in one run, each timed in a process of
 * its own (so peak RSS is each one's): the native engine at bf16 (where the CPU has it) and at
 * fp32, the wasm pack and stock wasm; with `--against REV`, also the native engine of another
 * commit of this repository (checked out into a temporary git worktree that shares this
 * checkout's `node_modules`). `--rounds N` repeats the whole set N times, interleaved, and
 * reports each engine's median: timings on shared machines drift by tens of percent over
 * minutes, and interleaving keeps the ratios honest.
 *
 * @module
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchKind } from "./bench_step.ts";

/** One engine `--compare` times: a label, the bench script to run and its flags. */
export interface CompareEngine {
  name: string;
  script: string;
  args: string[];
  /** The directory to run it in (a worktree of another commit), else this checkout. */
  cwd?: string;
}

/** What `--compare` needs from the bench flags. */
export interface CompareOptions {
  kinds: BenchKind[];
  /** Flags passed through to every engine (`--threads`, `--steps`, `--batch-size`). */
  passThrough: string[];
  /** Rounds over all engines (default 1). */
  rounds: number;
  /** A commit to time beside this checkout (`--against`). */
  against?: string;
  /** Whether this CPU has bfloat16 dot products (else the bf16 row is left out). */
  bf16: boolean;
}

/** One engine's result for one model (a JSON line of `deno task bench --json`). */
interface EngineResult {
  sPerStep?: number;
  imagesPerS?: number;
  peakRssMB?: number;
  threads?: number;
  error?: string;
}

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const BENCH = fileURLToPath(new URL("./bench.ts", import.meta.url));

/**
 * Checks out `rev` into a temporary worktree sharing this checkout's `node_modules`, returns
 * its directory and a cleanup function.
 *
 * @throws naming the revision when git cannot resolve or check it out.
 */
export async function worktreeOf(rev: string): Promise<{ dir: string; remove: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fashion-gan-against-"));
  const git = (...args: string[]) =>
    new Deno.Command("git", { args, cwd: REPO, stdout: "piped", stderr: "piped" }).output();
  const out = await git("worktree", "add", "--detach", dir, rev);
  if (!out.success) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `--against ${rev}: git could not check it out (${
        new TextDecoder().decode(out.stderr).trim().split("\n").at(-1)
      })`,
    );
  }
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
  return {
    dir,
    remove: () => {
      new Deno.Command("git", { args: ["worktree", "remove", "--force", dir], cwd: REPO })
        .outputSync();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function runEngine(engine: CompareEngine, kind: BenchKind, pass: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", engine.script, "--json", "--model", kind, ...engine.args, ...pass],
    cwd: engine.cwd ?? REPO,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(text) as EngineResult;
  } catch {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1);
    return { error: err || "failed" };
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Times every engine for every model, `rounds` times interleaved, and prints one table: the
 * median s/step per engine and its ratio to the first row of the model (the other commit's
 * engine when `--against` is given, else the native engine at this checkout's default).
 */
export async function compareEngines(options: CompareOptions): Promise<void> {
  const { kinds, passThrough, rounds, against, bf16 } = options;
  const engines: CompareEngine[] = [
    ...(bf16
      ? [{
        name: "native bf16",
        script: BENCH,
        args: ["--backend", "native", "--precision", "bf16"],
      }]
      : []),
    { name: "native fp32", script: BENCH, args: ["--backend", "native", "--precision", "fp32"] },
    { name: "wasm pack", script: BENCH, args: ["--backend", "wasm"] },
    { name: "stock wasm", script: BENCH, args: ["--backend", "wasm", "--stock"] },
  ];
  const tree = against ? await worktreeOf(against) : null;
  try {
    if (tree) {
      engines.unshift({
        name: `native @${against}`,
        script: path.join(tree.dir, "lib", "cli", "bench.ts"),
        args: ["--backend", "native"],
        cwd: tree.dir,
      });
    }
    const results = new Map<string, EngineResult[]>();
    for (let round = 1; round <= rounds; round++) {
      for (const kind of kinds) {
        for (const engine of engines) {
          const r = await runEngine(engine, kind, passThrough);
          const key = `${kind}\u0000${engine.name}`;
          results.set(key, [...(results.get(key) ?? []), r]);
          const s = r.sPerStep ? `${r.sPerStep.toFixed(3)} s/step` : r.error;
          console.log(`round ${round}/${rounds}: ${kind} on ${engine.name}: ${s}`);
        }
      }
    }
    const rows: Record<string, string>[] = [];
    for (const kind of kinds) {
      let base: number | null = null;
      for (const engine of engines) {
        const rs = results.get(`${kind}\u0000${engine.name}`) ?? [];
        const ok = rs.filter((r) => r.sPerStep);
        const s = ok.length ? median(ok.map((r) => r.sPerStep!)) : null;
        base ??= s;
        rows.push({
          model: kind,
          engine: engine.name,
          "s/step": s ? s.toFixed(3) : "-",
          [`x ${engines[0].name}`]: s && base ? (s / base).toFixed(2) : "-",
          rounds: `${ok.length}/${rs.length}`,
          "images/s": ok.length ? median(ok.map((r) => r.imagesPerS ?? 0)).toFixed(0) : "-",
          "peak RSS MB": ok.length ? String(Math.max(...ok.map((r) => r.peakRssMB ?? 0))) : "-",
          note: rs.find((r) => r.error)?.error?.slice(0, 60) ?? "",
        });
      }
    }
    console.table(rows);
  } finally {
    tree?.remove();
  }
}
