/**
 * The report's summary file: what each notebook run by `deno task report` recorded for the
 * front page (`report/index.html`): the backend it ran on, table 2's rows, the real-data floor,
 * the conditional model's class agreement. This module owns the format; notebooks write through
 * {@link recordForReport} (via `NotebookContext.record`), the report task reads it with
 * {@link readReportSummary}.
 *
 * The file is `summary.json` in the report's directory: one object per notebook name, each a
 * map from a key to a JSON value. Every write replaces the file atomically (`atomic_write.ts`),
 * so a notebook that dies half-way leaves the records made before it intact.
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { PathLengthSummaryRow, TruncationRow } from "../eval/style_scores.ts";
import type { Table2Row } from "../eval/table2.ts";
import { writeJsonAtomic } from "../io/atomic_write.ts";

/** Name of the summary file inside the report directory. */
export const REPORT_SUMMARY_FILE = "summary.json";

/** Where a notebook's records go: set by the report task, absent in interactive use. */
export interface ReportTarget {
  /** The report directory (holds {@link REPORT_SUMMARY_FILE}). */
  dir: string;
  /** The notebook's name, e.g. `03-dcgan`. */
  notebook: string;
}

/** The backend a notebook ran on, as recorded by `notebookSetup`. */
export interface BackendRecord {
  /** Backend name (`wasm`, `cpu`, ...). */
  name: string;
  /** Threads it computed with. */
  threads: number;
  /** The backend and what it runs with (`wasm (SIMD, 2 threads, ...)`). */
  line: string;
  /** Backends tried before it, each with the reason it was skipped. */
  skipped: string[];
}

/** The real-data floor of the scores (real training images scored like samples). */
export interface FloorRecord {
  /** Images scored. */
  samples: number;
  /** FID of real training images against the test split. */
  fid: number;
}

/** Class agreement of a conditional model (the judge's class versus the requested one). */
export interface ConditionalRecord {
  /** Model label. */
  name: string;
  /** Steps trained. */
  steps: number;
  /** Share of samples the judge put in the requested class. */
  accuracy: number;
  /** Samples judged. */
  samples: number;
}

/** StyleGAN's headline numbers (notebook 05). */
export interface StyleGanRecord {
  /** Steps it trained. */
  steps: number;
  /** Samples scored per psi. */
  samples: number;
  /** FID, precision, recall and class entropy per truncation psi. */
  truncation: TruncationRow[];
  /** Pairs per path length. */
  pairs: number;
  /** Path lengths per model, space and sampling, over two seeds. */
  pathLengths: PathLengthSummaryRow[];
}

/** One direction of a translation pair against its nearest-training-image baseline. */
export interface TranslationDirectionRecord {
  /** Source and target class names. */
  from: string;
  to: string;
  /** Test images translated. */
  images: number;
  /** Share the judge reads as the target class, and the baseline's. */
  success: number;
  nearestSuccess: number;
  /** Share of the real test images of the target class the judge reads as it (the ceiling). */
  realSuccess?: number;
  /** Style and outline kept (`eval/translation.ts`), and the baseline's. */
  styleKept: number;
  nearestStyleKept: number;
  outlineKept: number;
  nearestOutlineKept: number;
  /**
   * Style and outline kept while reaching the target class (`eval/translation.ts`), and the
   * baseline's; absent where the pair's scores predate them.
   */
  convertedStyleKept?: number;
  nearestConvertedStyleKept?: number;
  convertedOutlineKept?: number;
  nearestConvertedOutlineKept?: number;
}

/** A translation pair's headline numbers (notebook 05), under the key `translation:<name>`. */
export interface TranslationRecord {
  /** Steps it trained. */
  steps: number;
  /** Both directions. */
  directions: TranslationDirectionRecord[];
}

/** The records of one notebook. Known keys are typed; others are kept as JSON. */
export interface NotebookRecords {
  /** The training profile the notebook ran with. */
  profile?: string;
  /** The backend the notebook ran on. */
  backend?: BackendRecord;
  /** Table 2 rows of the models the notebook measured. */
  table2?: Table2Row[];
  /** The real-data floor the notebook measured. */
  floor?: FloorRecord;
  /** Class agreement of the conditional model. */
  conditional?: ConditionalRecord;
  /** Wall-clock seconds the report task took to run and export the notebook. */
  seconds?: number;
  /** StyleGAN's truncation and path-length numbers. */
  stylegan?: StyleGanRecord;
  /** Anything else a notebook recorded. */
  [key: string]: unknown;
}

/** The whole summary file: notebook name to its records. */
export type ReportSummary = Record<string, NotebookRecords>;

/**
 * The report target named by `GAN_REPORT_DIR` and `GAN_REPORT_NOTEBOOK` (set by `deno task
 * report` for the notebook it runs), or null outside the report task. Called by notebook entry
 * points only.
 */
export function reportTargetFromEnv(): ReportTarget | null {
  const dir = Deno.env.get("GAN_REPORT_DIR");
  const notebook = Deno.env.get("GAN_REPORT_NOTEBOOK");
  return dir && notebook ? { dir, notebook } : null;
}

/** Reads the summary in `dir`; an absent file is an empty summary. */
export function readReportSummary(dir: string): ReportSummary {
  const file = path.join(dir, REPORT_SUMMARY_FILE);
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as ReportSummary;
  } catch (e) {
    throw new Error(`${file} is not a report summary (expected JSON): ${(e as Error).message}`);
  }
}

/**
 * Records `value` under `key` for the target's notebook, replacing an earlier value of the
 * same key. `value` must survive `JSON.stringify` (numbers that are not finite become null).
 */
export function recordForReport(target: ReportTarget, key: string, value: unknown): void {
  const summary = readReportSummary(target.dir);
  summary[target.notebook] = { ...summary[target.notebook], [key]: value };
  writeSummary(target.dir, summary);
}

/**
 * Removes the records of `notebook` from the summary in `dir` (the report task calls it before
 * it runs that notebook again, so no record outlives the run that made it).
 */
export function clearReportRecords(dir: string, notebook: string): void {
  const summary = readReportSummary(dir);
  if (!(notebook in summary)) return;
  delete summary[notebook];
  writeSummary(dir, summary);
}

function writeSummary(dir: string, summary: ReportSummary): void {
  writeJsonAtomic(path.join(dir, REPORT_SUMMARY_FILE), summary, 1);
}
