import assert from "node:assert/strict";
import * as fs from "node:fs";
import { decode } from "fast-png";
import {
  HERO_FILE,
  heroDataUrl,
  heroFigure,
  initBackend,
  listPretrained,
  reportIndexHtml,
} from "../../lib/mod.ts";

await initBackend({ backend: "wasm" });

Deno.test("the hero figure draws a labelled row per shipped model, report models first", async () => {
  const { png, rows } = await heroFigure({ perModel: 3 });
  assert.deepEqual(rows.slice(0, 3).map((r) => r.name), ["mlp", "dcgan", "improved"]);
  assert.equal(rows.length, listPretrained().length);
  for (const r of rows) assert.ok(r.fid !== null && r.fid > 0 && r.epochs > 0, r.name);
  const image = decode(png);
  // 3 tiles of 28x3 px per row, a label band on the left, a title on top
  assert.ok(image.width > 3 * 84 + 100, `width ${image.width}`);
  assert.ok(image.height >= rows.length * 84, `height ${image.height}`);
  // the tiles are not blank: the image holds dark and light pixels
  const px = image.data as Uint8Array;
  assert.ok(px.some((v) => v < 30) && px.some((v) => v > 220));
});

Deno.test("the committed hero figure opens the report's front page with the explorer's command", () => {
  assert.ok(fs.existsSync(HERO_FILE), "docs/hero.png is committed (deno task hero)");
  const hero = heroDataUrl()!;
  assert.match(hero, /^data:image\/png;base64,iVBOR/);
  const page = reportIndexHtml({}, { pages: [], generated: new Date(0), hideCode: false, hero });
  const h1 = page.indexOf("<h1>"), img = page.indexOf(`<img src="${hero}"`);
  assert.ok(h1 >= 0 && img > h1, "the figure follows the title");
  assert.ok(img < page.indexOf("Profile"), "and comes before everything else");
  assert.match(page, /deno task explore --pretrained dcgan/);
  assert.equal(heroDataUrl("/no/such.png"), null);
});
