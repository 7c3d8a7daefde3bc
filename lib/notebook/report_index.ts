/**
 * The report's front page (`report/index.html`): when and how the report was made (profile,
 * date, backend and threads), each notebook's page and run time, and the headline numbers the
 * notebooks recorded (table 2, the FID of each model against the real-data floor, the
 * conditional model's class agreement). It reads only the report summary
 * (`report_summary.ts`); the formatting of table 2 is `table2Display`'s.
 *
 * @module
 */
import { table2Display, type Table2Row } from "../eval/table2.ts";
import type { PretrainedManifest } from "../train/pretrained.ts";
import { escapeHtml, htmlTable } from "../viz/html_table.ts";
import type {
  NotebookRecords,
  ReportSummary,
  TranslationDirectionRecord,
  TranslationRecord,
} from "./report_summary.ts";

/** One notebook page of the report. */
export interface ReportPage {
  /** Notebook name, e.g. `03-dcgan`. */
  name: string;
  /** The page's file name, relative to the index. */
  file: string;
  /** One-line description shown next to the link. */
  title: string;
}

/** What {@link reportIndexHtml} needs besides the summary. */
export interface ReportIndexOptions {
  /** The pages, in reading order; pages with no records in the summary are listed as not run. */
  pages: readonly ReportPage[];
  /** When the report was generated. */
  generated: Date;
  /** Whether the pages were written without their code cells (`--hide-code`). */
  hideCode: boolean;
  /** The shipped models the pages drew from (the `pretrained` profile), with their provenance. */
  shipped?: readonly PretrainedManifest[];
  /** The hero figure (`docs/hero.png`) as a `data:` URL, shown first; none when absent. */
  hero?: string;
}

/** The shipped models as a table: what, how long, when, how fast, with which command, scores. */
function shippedTable(models: readonly PretrainedManifest[]): string {
  const rows = models.map((m) => ({
    model: `${m.name}: ${m.label}`,
    trained: `${m.epochs.toFixed(2)} epochs (${m.steps.toLocaleString("en-US")} steps)`,
    date: m.date?.slice(0, 10) ?? "?",
    "s/step": m.sPerStep.toFixed(3),
    FID: m.scores ? m.scores.fid.toFixed(2) : "-",
    "class accuracy": m.scores?.classAccuracy != null
      ? `${(100 * m.scores.classAccuracy).toFixed(1)}%`
      : "-",
    command: m.commands?.join("; ") ?? "?",
  }));
  return `<h2>Shipped models</h2>
<p>The pages draw from these runs (<code>assets/pretrained/</code>; FID on ${
    models[0]?.scores?.samples.toLocaleString("en-US") ?? "?"
  } samples against the test split, float16 weights).</p>
${htmlTable(rows, { inlineStyles: false })}`;
}

/** Numeric fields of a table 2 row; JSON turns their NaN (e.g. no G step yet) into null. */
const NUMERIC_FIELDS = [
  "parameters",
  "steps",
  "epochs",
  "dLossStd",
  "gLossStd",
  "fid",
  "meanConfidence",
  "precision",
  "recall",
  "is",
  "classEntropy",
  "minClassShare",
] as const;

/**
 * Table 2 rows of all notebooks, one per model: a later notebook's row replaces an earlier one.
 * Numbers that JSON stored as null (they were NaN) are NaN again.
 */
export function headlineRows(
  summary: ReportSummary,
  pages: readonly ReportPage[],
): Table2Row[] {
  const byName = new Map<string, Table2Row>();
  for (const page of pages) {
    for (const row of summary[page.name]?.table2 ?? []) {
      const fixed = { ...row };
      for (const key of NUMERIC_FIELDS) fixed[key] ??= NaN;
      byName.set(row.name, fixed);
    }
  }
  return [...byName.values()];
}

function last<K extends keyof NotebookRecords>(
  summary: ReportSummary,
  pages: readonly ReportPage[],
  key: K,
): NotebookRecords[K] | undefined {
  let found: NotebookRecords[K] | undefined;
  for (const page of pages) found = summary[page.name]?.[key] ?? found;
  return found;
}

/** Every translation pair the notebooks recorded (`translation:<name>`), by name. */
function translationRecords(
  summary: ReportSummary,
  pages: readonly ReportPage[],
): Map<string, TranslationRecord> {
  const pairs = new Map<string, TranslationRecord>();
  for (const page of pages) {
    for (const [key, value] of Object.entries(summary[page.name] ?? {})) {
      if (key.startsWith("translation:")) {
        pairs.set(key.slice("translation:".length), value as TranslationRecord);
      }
    }
  }
  return pairs;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/**
 * The future work of the report's section 5.3, measured (notebook 05): StyleGAN's FID by
 * truncation and its path lengths against the DCGAN's; each translation pair's success and how
 * much of the source it keeps, beside the nearest training image. Empty when nothing recorded.
 */
function beyondHtml(summary: ReportSummary, pages: readonly ReportPage[]): string {
  const style = last(summary, pages, "stylegan");
  const pairs = translationRecords(summary, pages);
  if (!style && pairs.size === 0) return "";
  const parts = ["<h2>Beyond the report (section 5.3's future work)</h2>"];
  if (style) {
    const psi = style.truncation.map((r) =>
      `psi ${r.psi}: FID ${r.fid.toFixed(2)} (precision ${r.precision.toFixed(3)}, recall ${
        r.recall.toFixed(3)
      })`
    );
    const ppl = style.pathLengths.filter((r) => r.sampling === "full").map((r) =>
      `${escapeHtml(r.model)} ${r.space.toUpperCase()}: ${r.ppl.toFixed(2)} (&plusmn;${
        (r.spread / 2).toFixed(2)
      })`
    );
    parts.push(
      `<p><b>StyleGAN</b> after ${style.steps.toLocaleString("en-US")} steps, ${
        style.samples.toLocaleString("en-US")
      } samples per truncation: ${psi.join("; ")}.</p>`,
      `<p>Perceptual path length (full sampling, ${
        style.pairs.toLocaleString("en-US")
      } pairs, judge features; lower is smoother): ${ppl.join("; ")}.</p>`,
    );
  }
  if (pairs.size) {
    const f = (x: number | undefined) => x === undefined ? "-" : x.toFixed(3);
    const converted = (d: TranslationDirectionRecord) =>
      d.convertedStyleKept === undefined
        ? "-"
        : `${f(d.convertedStyleKept)} / ${f(d.convertedOutlineKept)} (${
          f(d.nearestConvertedStyleKept)
        } / ${f(d.nearestConvertedOutlineKept)})`;
    const rows = [...pairs].flatMap(([name, p]) =>
      p.directions.map((d) => ({
        pair: name,
        direction: `${d.from} -> ${d.to}`,
        "test images": d.images,
        success: pct(d.success),
        "judge on real target images": d.realSuccess === undefined ? "-" : pct(d.realSuccess),
        "style kept": d.styleKept.toFixed(3),
        "outline kept": d.outlineKept.toFixed(3),
        "nearest training image: success / style / outline": `${pct(d.nearestSuccess)} / ${
          d.nearestStyleKept.toFixed(3)
        } / ${d.nearestOutlineKept.toFixed(3)}`,
        "kept while converted: style / outline (nearest image's)": converted(d),
      }))
    );
    parts.push(
      "<p><b>CycleGAN translations</b> of the test images (the judge reads the target class: " +
        "success; what the translation keeps of its source: style and outline kept; the same " +
        "counting a translation the judge does not read as the target as a random real target " +
        "image: kept while converted):</p>",
      htmlTable(rows, { inlineStyles: false }),
    );
  }
  return parts.join("\n");
}

const STYLE = `body{font-family:system-ui,'DejaVu Sans',sans-serif;max-width:72em;margin:2em auto;
padding:0 1em;line-height:1.5;color:#222}
table{border-collapse:collapse;font-size:0.9em}th,td{border:1px solid #ccc;padding:0.25em 0.6em;
text-align:left;vertical-align:top}th{background:#f4f4f4}.wide{overflow-x:auto}
.small{font-size:0.85em}.num{text-align:right;font-variant-numeric:tabular-nums}code{font-size:0.95em}.muted{color:#666}`;

/** The front page, as a complete HTML document. */
export function reportIndexHtml(summary: ReportSummary, options: ReportIndexOptions): string {
  const ran = options.pages.filter((p) => summary[p.name] !== undefined);
  const profiles = [...new Set(ran.map((p) => summary[p.name].profile ?? "?"))];
  const backends = [...new Set(ran.map((p) => summary[p.name].backend?.line).filter(Boolean))];
  const skipped = [...new Set(ran.flatMap((p) => summary[p.name].backend?.skipped ?? []))];
  const threads = [...new Set(ran.map((p) => summary[p.name].backend?.threads))]
    .filter((t) => t !== undefined);
  const totalSeconds = ran.reduce((a, p) => a + (summary[p.name].seconds ?? 0), 0);

  const pageRows = options.pages.map((p) => {
    const r = summary[p.name];
    const time = r?.seconds === undefined ? "not run" : `${r.seconds.toFixed(0)} s`;
    const link = r
      ? `<a href="${escapeHtml(p.file)}">${escapeHtml(p.name)}</a>`
      : escapeHtml(p.name);
    return `<tr><td>${link}</td><td>${escapeHtml(p.title)}</td><td class="num">${time}</td></tr>`;
  }).join("\n");

  const rows = headlineRows(summary, options.pages);
  const floor = last(summary, options.pages, "floor");
  const conditional = last(summary, options.pages, "conditional");
  const fidItems = rows.map((r) =>
    `<li><b>${escapeHtml(r.name)}</b>: FID ${r.fid.toFixed(2)} after ${
      r.steps.toLocaleString("en-US")
    } steps (${r.epochs.toFixed(2)} epochs)</li>`
  );
  if (floor) {
    fidItems.push(
      `<li class="muted">real training images (the floor): FID ${floor.fid.toFixed(2)}</li>`,
    );
  }
  if (conditional) {
    fidItems.push(
      `<li><b>${escapeHtml(conditional.name)}</b> after ${
        conditional.steps.toLocaleString("en-US")
      } steps: the judge ` +
        `sees the requested class in ${(100 * conditional.accuracy).toFixed(1)}% of ` +
        `${conditional.samples.toLocaleString("en-US")} samples</li>`,
    );
  }
  const samples = floor ? ` on ${floor.samples.toLocaleString("en-US")} samples per model` : "";
  const headline = rows.length || conditional
    ? `<h2>Headline numbers</h2>
<p>FID in the judge classifier's features against the 10,000 test images${samples}; lower is
better.</p>
<ul>
${fidItems.join("\n")}
</ul>
<h3>Table 2, measured</h3>
${
      rows.length
        ? htmlTable(table2Display(rows), { transpose: true, inlineStyles: false })
        : "<p>No notebook measured table 2.</p>"
    }`
    : `<h2>Headline numbers</h2><p>No notebook recorded any (table 2 is measured by 03-dcgan).</p>`;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fashion-gan report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body>
<h1>fashion-gan: the report's GANs, reproduced</h1>
${
    options.hero
      ? `<p><img src="${options.hero}" alt="samples of every shipped model, a row per model" style="max-width:100%"></p>
<p class="small">Drawn by <code>deno task hero</code> from the shipped models. Explore one in your
browser: <code>deno task explore --pretrained dcgan</code>, then open
<a href="http://127.0.0.1:8765/">http://127.0.0.1:8765/</a>.</p>`
      : ""
  }
<p>Profile <b>${escapeHtml(profiles.join(", ") || "none")}</b>, generated
${escapeHtml(options.generated.toISOString().replace("T", " ").slice(0, 19))} UTC${
    options.hideCode ? ", pages without their code cells" : ""
  }.</p>
<p>Backend: ${
    backends.map((b) => `<code>${escapeHtml(b!)}</code>`).join("; ") || "not recorded"
  }; threads: ${threads.join(", ") || "?"}.</p>
${
    skipped.length
      ? `<p class="muted small">Backends skipped: ${skipped.map(escapeHtml).join("; ")}.</p>`
      : ""
  }
<h2>Notebooks</h2>
<table>
<thead><tr><th>page</th><th>shows</th><th>run time</th></tr></thead>
<tbody>
${pageRows}
</tbody></table>
<p class="muted">Run time in all: ${totalSeconds.toFixed(0)} s (executing each notebook and
exporting it).</p>
${headline}
${beyondHtml(summary, options.pages)}
${options.shipped?.length ? shippedTable(options.shipped) : ""}
</body></html>
`;
}
