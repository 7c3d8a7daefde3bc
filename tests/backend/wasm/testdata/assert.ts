/**
 * Minimal assertions for the tests (JSR's @std/assert is not reachable here).
 *
 * @module
 */
import { deepStrictEqual, ok } from "node:assert";

/** Asserts that `condition` is truthy. */
export function assert(condition: unknown, message?: string): asserts condition {
  ok(condition, message);
}

/** Asserts deep equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  deepStrictEqual(actual, expected, message);
}

/** Asserts `actual < limit`. */
export function assertLess(actual: number, limit: number, message?: string): void {
  ok(actual < limit, `${actual} is not less than ${limit}${message ? `: ${message}` : ""}`);
}
