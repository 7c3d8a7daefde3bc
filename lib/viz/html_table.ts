/**
 * Tables as HTML, for notebook outputs and the report's front page: rows of display records
 * (column name to text), drawn as they are or turned on their side (one row per column name,
 * one column per record, as the report prints its table 2). Wide tables scroll sideways in
 * their own box instead of wrapping like a terminal table.
 *
 * @module
 */

/** `text` with HTML's special characters escaped. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Options of {@link htmlTable}. */
export interface HtmlTableOptions {
  /**
   * Turn the table on its side: one row per key after the first, one column per record headed
   * by its first value. Default false.
   */
  transpose?: boolean;
  /** A caption above the table. */
  caption?: string;
  /**
   * Style cells inline (default: true, for notebook outputs), or leave the styling to the
   * page's stylesheet: numeric cells get `class="num"` and the wrapper `class="wide"`.
   */
  inlineStyles?: boolean;
}

const CELL = "border:1px solid #ccc;padding:0.2em 0.6em;text-align:left;";
const HEAD = `${CELL}background:#f4f4f4`;
const NUM = `${CELL}text-align:right;font-variant-numeric:tabular-nums`;

/**
 * `rows` as an HTML table (inline styles, so it looks the same in JupyterLab, an exported page
 * and the front page). Numbers-looking cells are right-aligned. Every text is escaped.
 */
export function htmlTable(
  rows: readonly Record<string, string | number>[],
  options: HtmlTableOptions = {},
): string {
  if (rows.length === 0) return "";
  const keys = Object.keys(rows[0]);
  const inline = options.inlineStyles ?? true;
  const th = (v: string | number) =>
    `<th${inline ? ` style="${HEAD}"` : ""}>${escapeHtml(String(v))}</th>`;
  const td = (v: string | number | undefined) => {
    const text = String(v ?? "");
    const numeric = /^[-+]?[\d,.]+%?( \/ [-+]?[\d,.]+)?$/.test(text.trim());
    const attr = inline ? ` style="${numeric ? NUM : CELL}"` : numeric ? ' class="num"' : "";
    return `<td${attr}>${escapeHtml(text)}</td>`;
  };
  const [head, body] = options.transpose
    ? [
      `<tr>${th(keys[0])}${rows.map((r) => th(r[keys[0]] ?? "")).join("")}</tr>`,
      keys.slice(1).map((k) => `<tr>${th(k)}${rows.map((r) => td(r[k])).join("")}</tr>`),
    ]
    : [
      `<tr>${keys.map(th).join("")}</tr>`,
      rows.map((r) => `<tr>${keys.map((k) => td(r[k])).join("")}</tr>`),
    ];
  const caption = options.caption
    ? `<caption style="text-align:left;padding:0.3em 0">${escapeHtml(options.caption)}</caption>`
    : "";
  const [div, table] = inline
    ? [' style="overflow-x:auto"', ' style="border-collapse:collapse;font-size:0.9em"']
    : [' class="wide"', ""];
  return `<div${div}><table${table}>${caption}<thead>${head}</thead>` +
    `<tbody>${body.join("")}</tbody></table></div>`;
}

/** `rows` as aligned plain text (the text fallback of an HTML table). */
export function textTable(rows: readonly Record<string, string | number>[]): string {
  if (rows.length === 0) return "";
  const keys = Object.keys(rows[0]);
  const cells = [keys, ...rows.map((r) => keys.map((k) => String(r[k] ?? "")))];
  const widths = keys.map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  return cells.map((row) => row.map((v, c) => v.padEnd(widths[c])).join("  ").trimEnd())
    .join("\n");
}
