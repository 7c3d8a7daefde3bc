import assert from "node:assert/strict";
import { htmlTable, textTable } from "../../lib/mod.ts";

const rows = [
  { model: "MLP <A.1>", FID: "165.61", note: "fast" },
  { model: "DCGAN", FID: "219.84", note: "-" },
];

Deno.test("an HTML table escapes its text and right-aligns numbers", () => {
  const html = htmlTable(rows, { inlineStyles: false });
  assert.match(html, /^<div class="wide"><table><thead><tr><th>model<\/th><th>FID<\/th>/);
  assert.match(html, /<td>MLP &lt;A\.1&gt;<\/td><td class="num">165\.61<\/td><td>fast<\/td>/);
  assert.match(htmlTable(rows), /<td style="[^"]*text-align:right[^"]*">219\.84<\/td>/);
});

Deno.test("a table turned on its side has one row per column and one column per record", () => {
  const html = htmlTable(rows, { transpose: true, inlineStyles: false, caption: "t" });
  assert.match(html, /<caption[^>]*>t<\/caption>/);
  assert.match(html, /<tr><th>model<\/th><th>MLP &lt;A\.1&gt;<\/th><th>DCGAN<\/th><\/tr>/);
  assert.match(html, /<tr><th>FID<\/th><td class="num">165\.61<\/td><td class="num">219\.84<\/td>/);
});

Deno.test("the text fallback aligns columns", () => {
  assert.equal(
    textTable(rows),
    ["model      FID     note", "MLP <A.1>  165.61  fast", "DCGAN      219.84  -"].join("\n"),
  );
  assert.equal(htmlTable([]), "");
});
