/**
 * `deno task bench`: not built yet (issue #4).
 *
 * @module
 */
if (import.meta.main) {
  console.error("deno task bench is not implemented yet: it is planned in issue #4.");
  Deno.exit(2);
}
