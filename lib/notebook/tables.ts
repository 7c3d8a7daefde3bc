/**
 * Tables in notebook outputs: an HTML table (scrolling sideways when wide) with an aligned
 * plain-text fallback, instead of `console.table`'s terminal drawing, which wraps illegibly in
 * exported pages.
 *
 * @module
 */
import { htmlTable, type HtmlTableOptions, textTable } from "../viz/html_table.ts";
import { display } from "../viz/jupyter.ts";

/** Shows `rows` as a table output (see {@link htmlTable} for the options). */
export async function showTable(
  rows: readonly Record<string, string | number>[],
  options: HtmlTableOptions = {},
): Promise<void> {
  const text = (options.caption ? `${options.caption}\n` : "") + textTable(rows);
  await display({ html: htmlTable(rows, options), text });
}
