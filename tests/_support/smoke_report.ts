/**
 * One `deno task report --profile smoke` for the whole test run: the report tests of several
 * files look at the same pages, and executing the five notebooks takes a few minutes.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseHTML } from "linkedom";

const root = path.resolve(import.meta.dirname!, "../..");

/** Whether Jupyter's nbconvert is installed for `/usr/bin/python3` (the report needs it). */
export const haveNbconvert: boolean = fs.existsSync("/usr/bin/python3") &&
  new Deno.Command("/usr/bin/python3", { args: ["-c", "import nbconvert, nbclient"] })
      .outputSync().code === 0;

/** The notebooks of the report, in order. */
export const REPORT_NOTEBOOKS = [
  "01-data",
  "02-mlp-gan",
  "03-dcgan",
  "04-latent",
  "05-beyond",
] as const;

/** A finished smoke report. */
export interface SmokeReport {
  /** Its directory (HTML pages, executed notebooks, index, summary). */
  dir: string;
  /** What the task printed. */
  log: string;
  /** The task's exit code. */
  code: number;
}

let report: Promise<SmokeReport> | undefined;

/** Runs `deno task report --profile smoke` into a temp directory once, then returns that run. */
export function smokeReport(): Promise<SmokeReport> {
  return report ??= (async () => {
    const dir = fs.mkdtempSync("/tmp/report-");
    const res = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        path.join(root, "lib/cli/report.ts"),
        "--profile",
        "smoke",
        "--out",
        dir,
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
    return { dir, log, code: res.code };
  })();
}

/** One SVG figure of an exported page, as the HTML carries it. */
export interface SvgFigure {
  /** How it is embedded: an `<img>` data URL, inline `<svg>`, or neither. */
  embedding: "img" | "inline" | "none";
  /** The SVG markup (decoded from the data URL, or the inline element's). */
  svg: string;
  /** Drawing elements in it (`path`, `line`, `rect`, `circle`, `polyline`, `polygon`). */
  drawn: number;
}

/** The part of linkedom's DOM read here (Deno's default types have no DOM). */
interface Node {
  querySelector(selector: string): Node | null;
  querySelectorAll(selector: string): Iterable<Node>;
  getAttribute(name: string): string | null;
  innerHTML: string;
}

const DRAWING = /<(path|line|rect|circle|polyline|polygon)\b/g;

/** Every `image/svg+xml` output area of an exported notebook page. */
export function svgFigures(html: string): SvgFigure[] {
  const { document } = parseHTML(html) as unknown as { document: Node };
  return [...document.querySelectorAll('[data-mime-type="image/svg+xml"]')].map((area) => {
    const img = area.querySelector("img");
    const src = img?.getAttribute("src") ?? "";
    const prefix = "data:image/svg+xml;base64,";
    let embedding: SvgFigure["embedding"] = "none", svg = "";
    if (src.startsWith(prefix)) {
      embedding = "img";
      svg = new TextDecoder().decode(
        Uint8Array.from(atob(src.slice(prefix.length)), (c) => c.charCodeAt(0)),
      );
    } else if (area.querySelector("svg")) {
      embedding = "inline";
      svg = area.innerHTML;
    } else {
      svg = area.innerHTML;
    }
    return { embedding, svg, drawn: svg.match(DRAWING)?.length ?? 0 };
  });
}

/** How many `image/svg+xml` outputs an executed notebook holds. */
export function svgOutputs(notebookFile: string): number {
  const nb = JSON.parse(fs.readFileSync(notebookFile, "utf8"));
  return nb.cells.flatMap((c: { outputs?: { data?: Record<string, unknown> }[] }) =>
    (c.outputs ?? []).filter((o) => o.data?.["image/svg+xml"] !== undefined)
  ).length;
}
