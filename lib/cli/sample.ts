/**
 * `deno task sample`: not built yet (issue #5).
 *
 * @module
 */
if (import.meta.main) {
  console.error("deno task sample is not implemented yet: it is planned in issue #5.");
  Deno.exit(2);
}
