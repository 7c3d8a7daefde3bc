/** Test support: the error an async function rejects with (fails the test if it resolves). */
import assert from "node:assert/strict";

/** Awaits `fn()` and returns the Error it rejected with. */
export async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof Error, `rejected with a non-Error: ${err}`);
    return err;
  }
  assert.fail("expected the call to reject, but it resolved");
}
