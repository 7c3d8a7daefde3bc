import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  clearReportRecords,
  escapeHtml,
  headlineRows,
  readReportSummary,
  recordForReport,
  REPORT_SUMMARY_FILE,
  reportIndexHtml,
  reportRecorder,
  type Table2Row,
} from "../../lib/mod.ts";

const row = (name: string, fid: number): Table2Row => ({
  name,
  parameters: 4_146_161,
  sPerStep: 0.1,
  steps: 20,
  epochs: 0.02,
  epochsToThreshold: null,
  dLossStd: 0.1,
  gLossStd: NaN,
  fidStd: null,
  fid,
  meanConfidence: 0.5,
  precision: 0.1,
  recall: 0.2,
  is: 2,
  classEntropy: 1.5,
  minClassShare: 0.01,
});

const pages = ["01-data", "02-mlp-gan", "03-dcgan", "04-latent"].map((name) => ({
  name,
  file: `${name}.html`,
  title: `title of ${name}`,
}));

Deno.test("records are kept per notebook, replaced per key, and cleared per notebook", () => {
  const dir = fs.mkdtempSync("/tmp/summary-");
  assert.deepEqual(readReportSummary(dir), {});
  recordForReport({ dir, notebook: "02-mlp-gan" }, "seconds", 5);
  recordForReport({ dir, notebook: "02-mlp-gan" }, "seconds", 7);
  recordForReport({ dir, notebook: "03-dcgan" }, "profile", "smoke");
  assert.deepEqual(readReportSummary(dir), {
    "02-mlp-gan": { seconds: 7 },
    "03-dcgan": { profile: "smoke" },
  });
  clearReportRecords(dir, "02-mlp-gan");
  assert.deepEqual(readReportSummary(dir), { "03-dcgan": { profile: "smoke" } });
  assert.deepEqual(fs.readdirSync(dir), [REPORT_SUMMARY_FILE]);
});

Deno.test("a notebook's recorder writes nothing outside the report task", () => {
  const record = reportRecorder(null);
  record("seconds", 3); // no target: no file, no error
  const dir = fs.mkdtempSync("/tmp/summary-");
  reportRecorder({ dir, notebook: "01-data" })("seconds", 3);
  assert.deepEqual(readReportSummary(dir), { "01-data": { seconds: 3 } });
});

Deno.test("a summary that is not JSON is an error naming the file", () => {
  const dir = fs.mkdtempSync("/tmp/summary-");
  fs.writeFileSync(path.join(dir, REPORT_SUMMARY_FILE), "{ not json");
  assert.throws(() => readReportSummary(dir), /summary\.json is not a report summary/);
});

Deno.test("headline rows take the later notebook's row per model and restore NaN from JSON", () => {
  const summary = JSON.parse(JSON.stringify({
    "02-mlp-gan": { table2: [row("MLP GAN", 300)] },
    "03-dcgan": { table2: [row("MLP GAN", 290), row("DCGAN", 250)] },
  }));
  const rows = headlineRows(summary, pages);
  assert.deepEqual(rows.map((r) => [r.name, r.fid]), [["MLP GAN", 290], ["DCGAN", 250]]);
  assert.ok(Number.isNaN(rows[0].gLossStd));
  assert.equal(rows[0].fidStd, null);
});

Deno.test("the index names profile, backend, threads, times, FIDs and the pages not run", () => {
  const summary = JSON.parse(JSON.stringify({
    "01-data": {
      profile: "smoke",
      backend: {
        name: "wasm",
        threads: 2,
        line: "wasm (SIMD, 2 threads)",
        skipped: ["tensorflow: not installed"],
      },
      seconds: 8.2,
    },
    "03-dcgan": {
      profile: "smoke",
      backend: {
        name: "wasm",
        threads: 2,
        line: "wasm (SIMD, 2 threads)",
        skipped: ["tensorflow: not installed"],
      },
      seconds: 61,
      table2: [row("MLP GAN (A.1)", 301.5), row("DCGAN <A.2>", 250.25)],
      floor: { samples: 500, fid: 1.9 },
      conditional: { name: "cdcgan", steps: 6, accuracy: 0.123, samples: 1000 },
    },
  }));
  const html = reportIndexHtml(summary, {
    pages,
    generated: new Date("2026-12-02T12:00:00Z"),
    hideCode: true,
  });
  assert.match(
    html,
    /Profile <b>smoke<\/b>, generated\n2026-12-02 12:00:00 UTC, pages without their code cells/,
  );
  assert.match(html, /<code>wasm \(SIMD, 2 threads\)<\/code>; threads: 2\./);
  assert.match(html, /Backends skipped: tensorflow: not installed\./);
  assert.match(
    html,
    /<a href="01-data.html">01-data<\/a><\/td><td>title of 01-data<\/td><td class="num">8 s/,
  );
  assert.match(html, /<td>02-mlp-gan<\/td><td>title of 02-mlp-gan<\/td><td class="num">not run/);
  assert.match(html, /<b>MLP GAN \(A\.1\)<\/b>: FID 301\.50 after 20 steps/);
  assert.match(html, /<b>DCGAN &lt;A\.2&gt;<\/b>: FID 250\.25/);
  assert.match(html, /FID 1\.90/);
  assert.match(html, /requested class in 12\.3% of 1,000 samples/);
  assert.match(
    html,
    /<th>sharpness \(FID\)<\/th><td class="num">301\.50<\/td><td class="num">250\.25<\/td>/,
  );
  assert.match(html, /Run time in all: 69 s/);
});

Deno.test("escapeHtml escapes the five special characters", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
});

Deno.test("the index lists the shipped models with their provenance and scores", () => {
  const manifest = {
    format: "fashion-gan pretrained" as const,
    name: "dcgan",
    label: "DCGAN (A.2)",
    model: "dcgan" as const,
    epochs: 20,
    steps: 18760,
    commands: ["deno task train --model dcgan --epochs 20 --eval-every 1 --out runs/full/dcgan"],
    date: "2026-12-02T20:00:00.000Z",
    sPerStep: 0.27,
    backend: "native",
    machine: "AMD EPYC, 2 logical CPUs",
    generator: { file: "generator.ckpt", bytes: 1, sha256: "x", float16: true },
    scores: {
      samples: 10000,
      fid: 21.5,
      is: 7,
      precision: 0.7,
      recall: 0.5,
      classEntropy: 2.2,
      minClassShare: 0.07,
      meanConfidence: 0.9,
      classAccuracy: null,
      fidFloat32: 21.4,
      fidOtherSeed: 21.7,
    },
  };
  const html = reportIndexHtml({}, {
    pages: [],
    generated: new Date("2026-12-02T12:00:00Z"),
    hideCode: false,
    shipped: [manifest],
  });
  assert.match(html, /<h2>Shipped models<\/h2>/);
  assert.match(html, /FID on 10,000 samples/);
  assert.match(
    html,
    /<td>dcgan: DCGAN \(A\.2\)<\/td><td>20\.00 epochs \(18,760 steps\)<\/td><td>2026-12-02<\/td><td class="num">0\.270<\/td><td class="num">21\.50<\/td><td>-<\/td><td>deno task train --model dcgan --epochs 20/,
  );
});

Deno.test("the index shows StyleGAN's truncation and path lengths and each translation pair beside its baseline", () => {
  const direction = (from: string, to: string, success: number) => ({
    from,
    to,
    images: 1000,
    success,
    nearestSuccess: 0.48,
    realSuccess: 0.964,
    styleKept: 0.35,
    nearestStyleKept: 0.21,
    outlineKept: 0.8,
    nearestOutlineKept: 0.71,
    ...(success > 0.92
      ? {
        convertedStyleKept: 0.33,
        nearestConvertedStyleKept: 0.1,
        convertedOutlineKept: 0.77,
        nearestConvertedOutlineKept: 0.52,
      }
      : {}), // the other direction's scores predate the measure
  });
  const pathLength = (
    model: string,
    space: "z" | "w",
    sampling: "full" | "end",
    ppl: number,
  ) => ({
    model,
    space,
    sampling,
    ppl,
    spread: 0.4,
    perSeed: [ppl - 0.2, ppl + 0.2],
  });
  const summary = {
    "05-beyond": {
      profile: "pretrained",
      seconds: 30,
      stylegan: {
        steps: 40_000,
        samples: 10_000,
        truncation: [
          { psi: 1, fid: 4.5, precision: 0.7, recall: 0.7, classEntropy: 2.3 },
          { psi: 0.5, fid: 30.25, precision: 0.9, recall: 0.2, classEntropy: 2.1 },
        ],
        pairs: 10_000,
        pathLengths: [
          pathLength("DCGAN", "z", "full", 12.5),
          pathLength("StyleGAN", "w", "full", 6.25),
          pathLength("StyleGAN", "w", "end", 5),
        ],
      },
      "translation:sneaker-boot": {
        steps: 3750,
        directions: [
          direction("Sneaker", "Ankle boot", 0.95),
          direction("Ankle boot", "Sneaker", 0.9),
        ],
      },
    },
  };
  const html = reportIndexHtml(summary, {
    pages: [...pages, { name: "05-beyond", file: "05-beyond.html", title: "beyond" }],
    generated: new Date("2026-12-06T12:00:00Z"),
    hideCode: false,
  });
  assert.match(html, /<h2>Beyond the report/);
  assert.match(
    html,
    /<b>StyleGAN<\/b> after 40,000 steps, 10,000 samples per truncation: psi 1: FID 4\.50/,
  );
  assert.match(html, /psi 0\.5: FID 30\.25 \(precision 0\.900, recall 0\.200\)/);
  assert.match(html, /DCGAN Z: 12\.50 \(&plusmn;0\.20\); StyleGAN W: 6\.25/);
  assert.doesNotMatch(html, /W: 5\.00/); // end-point sampling is in the notebook, not the index
  assert.match(
    html,
    /<td>sneaker-boot<\/td><td>Sneaker -&gt; Ankle boot<\/td><td class="num">1000<\/td><td class="num">95\.0%<\/td><td class="num">96\.4%<\/td>/,
  );
  assert.match(html, /48\.0% \/ 0\.210 \/ 0\.710/);
  assert.match(html, /<td>0\.330 \/ 0\.770 \(0\.100 \/ 0\.520\)<\/td>/);
  assert.match(html, /0\.710<\/td><td>-<\/td>/);
});

Deno.test("the index has no beyond-the-report section when notebook 05 recorded nothing", () => {
  const html = reportIndexHtml({}, { pages, generated: new Date(), hideCode: false });
  assert.doesNotMatch(html, /Beyond the report/);
});
