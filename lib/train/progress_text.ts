/**
 * Training progress as one line of text, for the terminal (`cli/progress_line.ts`) and the
 * notebooks' live progress output alike.
 *
 * @module
 */
import type { CycleStepRecord } from "./cycle_trainer.ts";
import type { StepRecord } from "./gan_trainer.ts";
import type { Progress } from "./run.ts";

/** Formats seconds as h:mm:ss or m:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return `${h ? `${h}:` : ""}${mm}:${String(r).padStart(2, "0")}`;
}

/**
 * One progress line: epoch, step / total, losses (`lastG` when this step did not update G),
 * D's outputs, speed and what is left.
 *
 * @example
 * ```ts
 * progressText(record, progress, 1.91);
 * // "epoch 5/50 step 4,210/46,900 D 0.830 G 1.910 D(x) 0.71 D(G(z)) 0.27 0.170 s/step 5.88 step/s ETA 2:00:54"
 * ```
 */
export function progressText(r: StepRecord, p: Progress, lastG: number | null): string {
  const g = r.gLoss ?? lastG;
  const n = (v: number) => v.toLocaleString("en-US");
  return `epoch ${p.epoch}/${p.epochs} step ${n(p.step)}/${n(p.totalSteps)} ` +
    `D ${r.dLoss.toFixed(3)} G ${g === null ? "-" : g.toFixed(3)} ` +
    `D(x) ${r.dReal.toFixed(2)} D(G(z)) ${r.dFake.toFixed(2)} ` +
    `${(1 / p.stepsPerSecond).toFixed(3)} s/step ${p.stepsPerSecond.toFixed(2)} step/s ` +
    `ETA ${formatDuration(p.etaSeconds)}`;
}

/**
 * One progress line of a translation run: epoch, step / total, the generators' loss and its
 * parts, both discriminators' losses, speed and what is left.
 */
export function cycleProgressText(r: CycleStepRecord, p: Progress): string {
  const n = (v: number) => v.toLocaleString("en-US");
  return `epoch ${p.epoch}/${p.epochs} step ${n(p.step)}/${n(p.totalSteps)} ` +
    `G ${r.gLoss.toFixed(3)} (adv ${r.adversarial.toFixed(3)} cycle ${r.cycle.toFixed(3)} ` +
    `id ${r.identity.toFixed(3)}${r.dC ? ` cls ${r.classification.toFixed(3)}` : ""}) ` +
    `D_A ${r.dA.toFixed(3)} D_B ${r.dB.toFixed(3)}${r.dC ? ` C ${r.dC.toFixed(3)}` : ""} ` +
    `${(1 / p.stepsPerSecond).toFixed(3)} s/step ETA ${formatDuration(p.etaSeconds)}`;
}
