import assert from "node:assert/strict";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import {
  checkFigures,
  figureProblems,
  haveChromium,
  launchChromium,
} from "../_support/chromium.ts";
import { haveNbconvert, REPORT_NOTEBOOKS, smokeReport } from "../_support/smoke_report.ts";

Deno.test({
  name:
    "in Chromium every figure of every report page loads, has a size and is not one flat colour",
  ignore: !haveNbconvert || !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { dir, log, code } = await smokeReport();
    assert.equal(code, 0, log);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const counts: Record<string, number> = {};
      for (const name of REPORT_NOTEBOOKS) {
        const checks = await checkFigures(page, pathToFileURL(path.join(dir, `${name}.html`)).href);
        counts[name] = checks.length;
        problems.push(...figureProblems(name, checks));
      }
      assert.deepEqual(problems, []);
      // 01: grid, batch, histogram; 02/03: plots, grids, GIFs; 04: five grids
      for (const name of REPORT_NOTEBOOKS) {
        assert.ok(counts[name] >= 3, `${name}: ${counts[name]} figures`);
      }
      await page.goto(pathToFileURL(path.join(dir, "index.html")).href);
      const links = await page.locator("a[href$='.html']").count();
      assert.equal(links, REPORT_NOTEBOOKS.length);
      assert.match(await page.locator("body").innerText(), /FID \d+\.\d\d/);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "the figure check fails a page whose SVG was sanitised to text",
  ignore: !haveChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const file = path.join(dir, "blank.html");
    // what Debian's nbconvert 6.5.3 leaves of a chart: its text, no drawing elements
    Deno.writeTextFileSync(
      file,
      `<div class="jp-RenderedSVG jp-OutputArea-output" data-mime-type="image/svg+xml">
       Fig 4.2: DCGAN losses 0 1 2 3 epoch</div>
       <div class="jp-RenderedSVG jp-OutputArea-output" data-mime-type="image/svg+xml">
       <img src="data:image/svg+xml;base64,${
        btoa(
          '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="white"/></svg>',
        )
      }"></div>`,
    );
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems = figureProblems("blank", await checkFigures(page, pathToFileURL(file).href));
      assert.equal(problems.length, 2, problems.join("\n"));
      assert.match(problems[0], /did not load/);
      assert.match(problems[1], /one flat colour/);
    } finally {
      await browser.close();
    }
  },
});
