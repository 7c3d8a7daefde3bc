/**
 * The first cell of every notebook: pick the profile and backend from the environment
 * (`GAN_PROFILE`, `GAN_BACKEND`, `GAN_THREADS`), start the backend, load Fashion-MNIST, and say
 * what was chosen. Notebooks are entry points, so this is where they read the environment.
 *
 * Under `deno task report` (which sets `GAN_REPORT_DIR` and `GAN_REPORT_NOTEBOOK`) the context's
 * `record` writes headline numbers to the report's summary for its front page, and the profile
 * and backend are recorded here; in interactive use `record` does nothing.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  backendFromEnv,
  type BackendReport,
  backendSummary,
  defaultThreads,
  describeBackend,
  initBackend,
} from "../backend/init_backend.ts";
import { type FashionMnist, loadFashionMnist } from "../data/fashion_mnist.ts";
import { ensureJudge } from "../eval/ensure_judge.ts";
import { QualityJudge } from "../eval/quality.ts";
import { PRETRAINED_DIR } from "../train/pretrained.ts";
import { type Profile, profileFromEnv, PROFILES } from "./profile.ts";
import {
  type NotebookRecords,
  recordForReport,
  type ReportTarget,
  reportTargetFromEnv,
} from "./report_summary.ts";

/** What {@link notebookSetup} prepared. */
export interface NotebookContext {
  /** The training profile. */
  profile: Profile;
  /** The backend in use. */
  backend: BackendReport;
  /** The backend and what it runs with, as runs record it (`backendSummary`). */
  backendLine: string;
  /** The dataset. */
  data: FashionMnist;
  /** Where the notebooks' runs live (`runs/` of the repository unless set). */
  runsDir: string;
  /** Where the shipped models live (`assets/pretrained/` unless set). */
  pretrainedDir: string;
  /**
   * The judge with the test split's statistics, for FID during training and table 2: loaded
   * (or trained, the first time) on the first call, then shared.
   */
  quality(): Promise<QualityJudge>;
  /**
   * Records a headline number for the report's front page (see `report_summary.ts`); does
   * nothing outside `deno task report`.
   */
  record<K extends keyof NotebookRecords & string>(key: K, value: NotebookRecords[K]): void;
}

/** The `record` function of a notebook context writing to `target` (a no-op for null). */
export function reportRecorder(target: ReportTarget | null): NotebookContext["record"] {
  return (key, value) => {
    if (target) recordForReport(target, key, value);
  };
}

/** The repository's `runs/` directory, where notebooks keep their runs by default. */
export const RUNS_DIR: string = fileURLToPath(new URL("../../runs", import.meta.url));

/** Options of {@link notebookSetup}. */
export interface NotebookSetupOptions {
  /**
   * The profile this notebook runs under: `pretrained` (the default: the shipped models, no
   * training), `smoke`, `quick` or `full` (train here). `GAN_PROFILE`, when set, wins (that is
   * how `deno task report` runs every notebook under one profile).
   */
  profile?: Profile;
  /** Where the notebooks' runs live. Default {@link RUNS_DIR}. */
  runsDir?: string;
  /** Where the shipped models live. Default `assets/pretrained/`. */
  pretrainedDir?: string;
}

/**
 * Starts the backend, loads the data and prints the profile and backend: the first cell of
 * every notebook.
 *
 * @example
 * ```ts
 * const nb = await lib.notebookSetup({ profile: "quick" }); // train here, about 2 minutes a model
 * ```
 * @throws naming the profile when `options.profile` or `GAN_PROFILE` is not one of the profiles.
 */
export async function notebookSetup(options: NotebookSetupOptions = {}): Promise<NotebookContext> {
  if (options.profile !== undefined && !PROFILES.includes(options.profile)) {
    throw new Error(`profile '${options.profile}' is not one of ${PROFILES.join(", ")}`);
  }
  const profile = profileFromEnv(options.profile);
  const fromEnv = Deno.env.get("GAN_PROFILE") !== undefined;
  const backend = await initBackend({ backend: backendFromEnv(), threads: defaultThreads() });
  const data = await loadFashionMnist();
  console.log(
    `profile: ${profile}${fromEnv ? " (from GAN_PROFILE)" : ""}; to change it: ` +
      `lib.notebookSetup({ profile: "${PROFILES.join('" | "')}" }) in this cell`,
  );
  console.log(describeBackend(backend));
  const record = reportRecorder(reportTargetFromEnv());
  record("profile", profile);
  record("backend", {
    name: backend.name,
    threads: backend.threads,
    line: backendSummary(backend),
    skipped: backend.skipped.map((s) => `${s.name}: ${s.reason}`),
  });
  console.log(
    `data: ${data.train.count} training and ${data.test.count} test images from ${data.source}`,
  );
  let quality: Promise<QualityJudge> | undefined;
  const getQuality = () =>
    quality ??= ensureJudge({
      data: () => Promise.resolve(data),
      onProgress: (p) => {
        if (p.step === p.stepsPerEpoch) console.log(`training the judge: epoch ${p.epoch}`);
      },
    }).then((ready) => {
      console.log(
        `judge: ${ready.file}, test accuracy ${(100 * ready.meta.testAccuracy).toFixed(2)}%`,
      );
      return QualityJudge.create(ready.judge, ready.meta, data);
    });
  return {
    profile,
    backend,
    backendLine: backendSummary(backend),
    data,
    runsDir: options.runsDir ?? RUNS_DIR,
    pretrainedDir: options.pretrainedDir ?? PRETRAINED_DIR,
    quality: getQuality,
    record,
  };
}
