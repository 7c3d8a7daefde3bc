/**
 * `deno task report`: executes the four notebooks in order with a profile (`--profile`, else
 * `GAN_PROFILE`, else quick) through Jupyter's nbconvert and the Deno kernel, and writes
 * `report/NN-name.html` (and the executed `.ipynb`) plus `report/index.html` linking them.
 *
 * nbconvert runs with `tools/nbconvert/deno_execute.py`, which keeps reading a cell's outputs
 * for a moment after the Deno kernel reports the cell done (stock nbconvert drops displays that
 * arrive late). Cells run with errors allowed; the task then names the first failing cell.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { type Profile, PROFILES } from "../notebook/profile.ts";
import { choiceFlag, parseFlags, runCli, UsageError } from "./args.ts";

const USAGE = `usage: deno task report [--profile smoke|quick|full] [--out DIR] [--only NAME]

  --profile NAME  training budget of the notebooks (default $GAN_PROFILE or quick):
                  smoke = a few steps each, quick = well under an hour in all, full = the report's 50 epochs
  --out DIR       where the HTML goes (default report/)
  --only NAME     run one notebook (e.g. 02-mlp-gan)
Needs Jupyter's nbconvert under /usr/bin/python3: apt-get install jupyter-nbconvert`;

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NOTEBOOKS = ["01-data", "02-mlp-gan", "03-dcgan", "04-latent"];
const PYTHON = "/usr/bin/python3";

async function run(cmd: string, args: string[], env: Record<string, string> = {}, cwd = ROOT) {
  const out = await new Deno.Command(cmd, { args, env, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

/** Fails with the install command when nbconvert is missing. */
async function checkJupyter(): Promise<void> {
  const missing = "Jupyter's nbconvert is not installed for /usr/bin/python3; install it with: " +
    "apt-get install jupyter-nbconvert";
  if (!fs.existsSync(PYTHON)) throw new Error(missing);
  const r = await run(PYTHON, ["-c", "import nbconvert, nbclient"]);
  if (r.code !== 0) throw new Error(missing);
}

/** Installs the Deno kernelspec when Jupyter does not find it. */
async function ensureKernel(log: (s: string) => void): Promise<void> {
  const r = await run(PYTHON, [
    "-c",
    "import json; from jupyter_client.kernelspec import find_kernel_specs; print(json.dumps(find_kernel_specs()))",
  ]);
  const specs = r.code === 0
    ? Object.keys(JSON.parse(r.text.trim().split("\n").at(-1) ?? "{}"))
    : [];
  if (specs.includes("deno")) return;
  log("installing the Deno Jupyter kernel (deno jupyter --install)");
  const inst = await run(Deno.execPath(), ["jupyter", "--install", "--force"]);
  if (inst.code !== 0) throw new Error(`deno jupyter --install failed:\n${inst.text}`);
}

interface NotebookCell {
  cell_type: string;
  source: string[] | string;
  outputs?: { output_type: string; ename?: string; evalue?: string; traceback?: string[] }[];
}

/** The first cell of an executed notebook with an error output, as a message. */
export function firstError(notebookFile: string, label: string): string | null {
  const nb = JSON.parse(fs.readFileSync(notebookFile, "utf8")) as { cells: NotebookCell[] };
  for (const [i, cell] of nb.cells.entries()) {
    const err = cell.outputs?.find((o) => o.output_type === "error");
    if (!err) continue;
    const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    // deno-lint-ignore no-control-regex
    const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
    return `${label}, cell ${i + 1} (${JSON.stringify(source.split("\n")[0].slice(0, 80))}): ` +
      `${err.ename}: ${strip(err.evalue ?? "")}`;
  }
  return null;
}

function indexHtml(
  entries: { name: string; file: string; seconds: number }[],
  profile: Profile,
): string {
  const items = entries.map((e) =>
    `<li><a href="${e.file}">${e.name}</a> (ran in ${e.seconds.toFixed(0)} s)</li>`
  ).join("\n");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>fashion-gan report</title>
<style>body{font-family:sans-serif;max-width:44em;margin:2em auto;line-height:1.5}</style></head>
<body><h1>fashion-gan: the report's GANs, reproduced</h1>
<p>Profile <b>${profile}</b>, generated ${new Date().toISOString()}.</p>
<ol>
${items}
</ol></body></html>
`;
}

async function main(): Promise<void> {
  const flags = parseFlags(Deno.args, {
    profile: { type: "string" },
    out: { type: "string" },
    only: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (flags.help) return console.log(USAGE);
  const profile = choiceFlag<Profile>(
    flags.profile ?? Deno.env.get("GAN_PROFILE"),
    "profile",
    PROFILES,
    "quick",
  );
  const outDir = path.resolve(
    typeof flags.out === "string" ? flags.out : path.join(ROOT, "report"),
  );
  const names = flags.only === undefined ? NOTEBOOKS : NOTEBOOKS.filter((n) => n === flags.only);
  if (names.length === 0) {
    throw new UsageError(`--only expects one of ${NOTEBOOKS.join(", ")}, got '${flags.only}'`);
  }

  await checkJupyter();
  await ensureKernel(console.log);
  fs.mkdirSync(outDir, { recursive: true });
  const env = {
    GAN_PROFILE: profile,
    PYTHONPATH: path.join(ROOT, "tools", "nbconvert"),
    NO_COLOR: "1",
  };
  const config = path.join(ROOT, "tools", "nbconvert", "nbconvert_deno.py");
  const done: { name: string; file: string; seconds: number }[] = [];
  for (const name of names) {
    const source = path.join(ROOT, "notebooks", `${name}.ipynb`);
    const label = `notebooks/${name}.ipynb`;
    console.log(`running ${label} (profile ${profile})`);
    const t0 = performance.now();
    const exec = await run(PYTHON, [
      "-m",
      "nbconvert",
      "--config",
      config,
      "--to",
      "notebook",
      "--output-dir",
      outDir,
      "--output",
      `${name}.ipynb`,
      source,
    ], env);
    const executed = path.join(outDir, `${name}.ipynb`);
    if (exec.code !== 0 || !fs.existsSync(executed)) {
      throw new Error(`nbconvert failed on ${label}:\n${exec.text}`);
    }
    const error = firstError(executed, label);
    if (error) throw new Error(`a cell failed: ${error}\n(the executed notebook is ${executed})`);
    const html = await run(PYTHON, [
      "-m",
      "nbconvert",
      "--to",
      "html",
      "--output-dir",
      outDir,
      executed,
    ], env);
    if (html.code !== 0) {
      throw new Error(`nbconvert --to html failed on ${executed}:\n${html.text}`);
    }
    const seconds = (performance.now() - t0) / 1000;
    done.push({ name, file: `${name}.html`, seconds });
    console.log(`  wrote ${path.join(outDir, `${name}.html`)} (${seconds.toFixed(0)} s)`);
  }
  fs.writeFileSync(path.join(outDir, "index.html"), indexHtml(done, profile));
  console.log(`report: ${path.join(outDir, "index.html")}`);
}

if (import.meta.main) await runCli(USAGE, main);
