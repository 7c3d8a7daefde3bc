/**
 * Terminal progress for training: one redrawn line on a TTY, plain periodic lines otherwise
 * (logs, CI, notebooks). Hand-written: the whole job is one formatted line, which progress-bar
 * packages would wrap in far more machinery than they save.
 *
 * @module
 */
import type { Progress } from "../train/run.ts";
import type { StepRecord } from "../train/gan_trainer.ts";
import { progressText } from "../train/progress_text.ts";

/** Writes progress to stdout: redrawn on a TTY, every `everySeconds` otherwise. */
export class ProgressLine {
  #lastPrint = 0;
  #lastG: number | null = null;
  #dirty = false;
  readonly #tty: boolean;
  readonly #encoder = new TextEncoder();

  /** Creates a writer; `everySeconds` applies when stdout is not a terminal. */
  constructor(readonly everySeconds = 30) {
    this.#tty = Deno.stdout.isTerminal();
  }

  /** Reports one step. */
  update(r: StepRecord, p: Progress): void {
    if (r.gLoss !== null) this.#lastG = r.gLoss;
    this.show(progressText(r, p, this.#lastG), p);
  }

  /** Shows `line` as the progress of step `p` (redrawn, or printed every `everySeconds`). */
  show(line: string, p: Progress): void {
    const now = performance.now();
    if (this.#tty) {
      if (now - this.#lastPrint < 100 && p.step !== p.totalSteps) return;
      Deno.stdout.writeSync(this.#encoder.encode(`\x1b[2K\r${line}`));
      this.#dirty = true;
    } else if (now - this.#lastPrint >= this.everySeconds * 1000 || p.step === p.totalSteps) {
      console.log(line);
    } else return;
    this.#lastPrint = now;
  }

  /** Prints a message on its own line (ending a redrawn line first). */
  log(message: string): void {
    if (this.#dirty) Deno.stdout.writeSync(this.#encoder.encode("\n"));
    this.#dirty = false;
    console.log(message);
  }
}
