/**
 * Ctrl-C during training: the first asks the run to stop after its current step (it writes a
 * checkpoint, so `--resume` continues exactly), the second quits at once (exit status 130).
 *
 * @module
 */

/** A listener for SIGINT that training polls; call `dispose()` when training ends. */
export interface InterruptRequest {
  /** Whether Ctrl-C was pressed. */
  readonly requested: boolean;
  /** Removes the listener. */
  dispose(): void;
}

/** Starts listening for Ctrl-C; `log` says what the first one does. */
export function stopOnInterrupt(log: (message: string) => void): InterruptRequest {
  let requested = false;
  const onSigint = () => {
    if (requested) Deno.exit(130);
    requested = true;
    log("interrupt: finishing this step and writing a checkpoint (Ctrl-C again to quit now)");
  };
  Deno.addSignalListener("SIGINT", onSigint);
  return {
    get requested() {
      return requested;
    },
    dispose: () => Deno.removeSignalListener("SIGINT", onSigint),
  };
}
