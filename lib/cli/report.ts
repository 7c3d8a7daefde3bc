/**
 * `deno task report`: executes the five notebooks in order with a profile (`--profile`, else
 * `GAN_PROFILE`, else pretrained) through Jupyter's nbconvert and the Deno kernel, and writes
 * `report/NN-name.html` (and the executed `.ipynb`) plus `report/index.html`, the front page:
 * profile, date, backend and threads, each notebook's run time, and the headline numbers the
 * notebooks recorded (`lib/notebook/report_summary.ts`). `--hide-code` writes the pages without
 * their code cells.
 *
 * nbconvert runs with `tools/nbconvert/deno_execute.py`, which keeps reading a cell's outputs
 * for a moment after the Deno kernel reports the cell done (stock nbconvert drops displays that
 * arrive late). Cells run with errors allowed; the task then names the first failing cell.
 * The HTML export uses the `fashion_gan` template of `tools/nbconvert/templates/`, which embeds
 * SVG figures as `<img>` data URLs: Debian's nbconvert 6.5.3 sanitises inline SVG down to its
 * text (see the template for why).
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../io/atomic_write.ts";
import { type Profile, profileFromEnv, PROFILES, profileTrains } from "../notebook/profile.ts";
import { listPretrained, openPretrained } from "../train/pretrained.ts";
import { heroDataUrl } from "../notebook/hero.ts";
import { reportIndexHtml, type ReportPage } from "../notebook/report_index.ts";
import {
  clearReportRecords,
  readReportSummary,
  recordForReport,
} from "../notebook/report_summary.ts";
import {
  type Command,
  type Flag,
  type FlagValues,
  HELP_FLAG,
  runCommand,
  UsageError,
} from "./args.ts";

const FLAGS = [
  {
    name: "profile",
    arg: "NAME",
    value: { type: "choice", choices: PROFILES },
    help: "what the notebooks train:\n" +
      "pretrained = nothing, they show the shipped models of assets/pretrained (seconds);\n" +
      "smoke = a few steps each; quick = well under an hour in all; full = the report's 50 epochs",
    shown: "$GAN_PROFILE or pretrained",
  },
  {
    name: "out",
    arg: "DIR",
    value: { type: "string" },
    help: "where the HTML goes",
    shown: "report/",
  },
  {
    name: "only",
    arg: "NAME",
    value: { type: "string" },
    help: "run one notebook (e.g. 02-mlp-gan); the index keeps the others' last run",
  },
  {
    name: "hide-code",
    value: { type: "boolean" },
    help: "pages without the code cells (outputs and prose only)",
  },
  HELP_FLAG,
] as const satisfies readonly Flag[];

const COMMAND: Command<typeof FLAGS> = {
  synopsis: `deno task report [--profile ${
    PROFILES.join("|")
  }] [--out DIR] [--only NAME] [--hide-code]`,
  intro: "Needs Jupyter's nbconvert under /usr/bin/python3: apt-get install jupyter-nbconvert",
  flags: FLAGS,
};

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NOTEBOOKS = ["01-data", "02-mlp-gan", "03-dcgan", "04-latent", "05-beyond"];
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

/** The notebook's title: its first markdown heading without the number ("The data: Fashion-MNIST"). */
export function notebookTitle(notebookFile: string): string {
  const nb = JSON.parse(fs.readFileSync(notebookFile, "utf8")) as { cells: NotebookCell[] };
  for (const cell of nb.cells) {
    if (cell.cell_type !== "markdown") continue;
    const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    const heading = source.split("\n").find((l) => l.startsWith("# "));
    if (heading) return heading.slice(2).replace(/^\d+\s*·\s*/, "").trim();
  }
  return path.basename(notebookFile, ".ipynb");
}

/** Where nbconvert finds this project's HTML template (`fashion_gan`). */
export const TEMPLATE_DIR: string = path.join(ROOT, "tools", "nbconvert", "templates");

/** Options of {@link exportHtml}. */
export interface ExportHtmlOptions {
  /** Leave out the code cells and prompts (outputs and prose only). Default false. */
  hideCode?: boolean;
}

/**
 * Exports an executed notebook to `<outDir>/<name>.html` with the `fashion_gan` template
 * (SVG figures as `<img>` data URLs); returns the HTML file's path.
 */
export async function exportHtml(
  executed: string,
  outDir: string,
  options: ExportHtmlOptions = {},
): Promise<string> {
  const args = [
    "-m",
    "nbconvert",
    "--to",
    "html",
    `--TemplateExporter.extra_template_basedirs=${TEMPLATE_DIR}`,
    "--template",
    "fashion_gan",
    ...(options.hideCode ? ["--no-input"] : []),
    "--output-dir",
    outDir,
    executed,
  ];
  const html = await run(PYTHON, args, { NO_COLOR: "1" });
  const file = path.join(outDir, `${path.basename(executed, ".ipynb")}.html`);
  if (html.code !== 0 || !fs.existsSync(file)) {
    throw new Error(`nbconvert --to html failed on ${executed}:\n${html.text}`);
  }
  return file;
}

async function main(flags: FlagValues<typeof FLAGS>): Promise<void> {
  let profile: Profile;
  try {
    profile = (flags.profile as Profile | undefined) ?? profileFromEnv();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const outDir = path.resolve(flags.out ?? path.join(ROOT, "report"));
  const names = flags.only === undefined ? NOTEBOOKS : NOTEBOOKS.filter((n) => n === flags.only);
  if (names.length === 0) {
    throw new UsageError(`--only expects one of ${NOTEBOOKS.join(", ")}, got '${flags.only}'`);
  }

  await checkJupyter();
  await ensureKernel(console.log);
  fs.mkdirSync(outDir, { recursive: true });
  const hideCode = !!flags["hide-code"];
  const config = path.join(ROOT, "tools", "nbconvert", "nbconvert_deno.py");
  for (const name of names) {
    const source = path.join(ROOT, "notebooks", `${name}.ipynb`);
    const label = `notebooks/${name}.ipynb`;
    console.log(`running ${label} (profile ${profile})`);
    clearReportRecords(outDir, name);
    const env = {
      GAN_PROFILE: profile,
      GAN_REPORT_DIR: outDir,
      GAN_REPORT_NOTEBOOK: name,
      PYTHONPATH: path.join(ROOT, "tools", "nbconvert"),
      NO_COLOR: "1",
    };
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
    const html = await exportHtml(executed, outDir, { hideCode });
    const seconds = (performance.now() - t0) / 1000;
    recordForReport({ dir: outDir, notebook: name }, "seconds", seconds);
    console.log(`  wrote ${html} (${seconds.toFixed(0)} s)`);
  }
  const pages: ReportPage[] = NOTEBOOKS.map((name) => ({
    name,
    file: `${name}.html`,
    title: notebookTitle(path.join(ROOT, "notebooks", `${name}.ipynb`)),
  }));
  const index = path.join(outDir, "index.html");
  const shipped = profileTrains(profile)
    ? []
    : listPretrained().map((name) => openPretrained(name).manifest);
  const page = reportIndexHtml(readReportSummary(outDir), {
    pages,
    generated: new Date(),
    hideCode,
    shipped,
    hero: heroDataUrl() ?? undefined,
  });
  writeFileAtomic(index, page);
  console.log(`report: ${index}`);
}

if (import.meta.main) await runCommand(COMMAND, main);
