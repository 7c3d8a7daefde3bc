/**
 * `deno task report`: not built yet (issue #5).
 *
 * @module
 */
if (import.meta.main) {
  console.error("deno task report is not implemented yet: it is planned in issue #5.");
  Deno.exit(2);
}
