import assert from "node:assert/strict";
import { XMLValidator } from "fast-xml-parser";
import { DOMParser } from "linkedom";
import {
  lossPlotSvg,
  type LossRecord,
  movingAverage,
  seriesPlotSvg,
} from "../../lib/viz/loss_plot.ts";

/** A fake run: D every step, G every 2nd step (null otherwise), like the report. */
function history(steps: number, stepsPerEpoch = 100): LossRecord[] {
  return Array.from({ length: steps }, (_, i) => ({
    step: i + 1,
    epoch: Math.floor(i / stepsPerEpoch) + 1,
    dLoss: 1.3 + 0.1 * Math.sin(i),
    gLoss: i % 2 === 0 ? 0.9 + 0.1 * Math.cos(i) : null,
  }));
}

/** Parses SVG markup with linkedom's XML mode; returns the document. */
function parseSvg(svg: string) {
  const valid = XMLValidator.validate(svg);
  assert.equal(valid, true, `not well-formed XML: ${JSON.stringify(valid)}`);
  return new DOMParser().parseFromString(svg, "image/svg+xml");
}

/** Stroke colours of the line paths (aria-label="line" groups) in the chart. */
function lineStrokes(svg: string): string[] {
  const doc = parseSvg(svg);
  return [...doc.querySelectorAll('g[aria-label="line"] path')].map((p) =>
    p.getAttribute("stroke")!
  );
}

Deno.test("lossPlotSvg returns well-formed standalone SVG with the title and both axis labels", () => {
  const svg = lossPlotSvg(history(400), { title: "DCGAN losses <run 1>", stepsPerEpoch: 100 });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const doc = parseSvg(svg);
  const texts = [...doc.querySelectorAll("text")].map((t) => t.textContent);
  assert.ok(texts.includes("DCGAN losses <run 1>"), "title (escaped, round-trips)");
  assert.ok(texts.includes("epoch"), "x label");
  assert.ok(texts.includes("loss"), "y label");
  assert.ok(texts.includes("D loss") && texts.includes("G loss"), "legend entries");
});

Deno.test("lossPlotSvg draws faint and smoothed paths for both D and G", () => {
  const svg = lossPlotSvg(history(1000), { smoothing: 20 });
  const strokes = lineStrokes(svg);
  // 2 raw + 2 smoothed lines, one path each, D blue and G orange.
  assert.equal(strokes.length, 4);
  assert.equal(strokes.filter((s) => s === "#4e79a7").length, 2);
  assert.equal(strokes.filter((s) => s === "#f28e2c").length, 2);
  assert.match(svg, /20-step moving average/);
});

Deno.test("lossPlotSvg puts integer epoch ticks on x when stepsPerEpoch is given", () => {
  const doc = parseSvg(lossPlotSvg(history(500), { stepsPerEpoch: 100 }));
  const ticks = [...doc.querySelectorAll('g[aria-label="x-axis tick label"] text')].map((t) =>
    t.textContent
  );
  assert.deepEqual(ticks, ["0", "1", "2", "3", "4", "5"]);
});

Deno.test("lossPlotSvg labels x as step without stepsPerEpoch", () => {
  const texts = [...parseSvg(lossPlotSvg(history(50))).querySelectorAll("text")].map((t) =>
    t.textContent
  );
  assert.ok(texts.includes("step"));
});

Deno.test("lossPlotSvg skips null gLoss values instead of breaking the G line", () => {
  const svg = lossPlotSvg(history(200), { smoothing: 1 });
  const doc = parseSvg(svg);
  const gPath = [...doc.querySelectorAll('g[aria-label="line"] path')].find((p) =>
    p.getAttribute("stroke") === "#f28e2c"
  )!;
  // One continuous path through the 100 G points: 1 M and 99 L commands.
  const d = gPath.getAttribute("d")!;
  assert.equal((d.match(/M/g) ?? []).length, 1);
  assert.equal((d.match(/L/g) ?? []).length, 99);
});

Deno.test("lossPlotSvg handles a 1-step history, an all-null G and an empty history", () => {
  const one = lossPlotSvg([{ step: 1, epoch: 1, dLoss: 1.4, gLoss: 0.7 }], { stepsPerEpoch: 10 });
  assert.equal(parseSvg(one).querySelectorAll("circle").length, 2, "single points drawn as dots");
  const noG = lossPlotSvg(history(10).map((r) => ({ ...r, gLoss: null })));
  parseSvg(noG);
  parseSvg(lossPlotSvg([]));
});

Deno.test("lossPlotSvg rejects a non-positive stepsPerEpoch", () => {
  assert.throws(() => lossPlotSvg(history(5), { stepsPerEpoch: 0 }), /stepsPerEpoch/);
});

Deno.test("movingAverage averages a centred window over irregular steps with partial ends", () => {
  assert.deepEqual(movingAverage([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], 3), [1.5, 2, 3, 4, 4.5]);
  // G every 2nd step: a 5-step window holds 3 points in the middle, 2 at the ends.
  assert.deepEqual(movingAverage([1, 3, 5, 7], [0, 3, 6, 9], 5), [1.5, 3, 6, 7.5]);
  assert.deepEqual(movingAverage([1, 2], [4, 8], 1), [4, 8]);
});

Deno.test("seriesPlotSvg draws one path and dots per series with title, labels and legend", () => {
  const svg = seriesPlotSvg(
    [
      { name: "FID", points: [3, 1, 2].map((x) => ({ x, y: 100 / x })) },
      { name: "FID & EMA", points: [1, 2, 3].map((x) => ({ x, y: 90 / x })) },
    ],
    { title: "FID per epoch", xLabel: "epoch", yLabel: "FID", integerX: true },
  );
  const doc = parseSvg(svg);
  const texts = [...doc.querySelectorAll("text")].map((t) => t.textContent);
  for (const t of ["FID per epoch", "epoch", "FID", "FID & EMA"]) assert.ok(texts.includes(t), t);
  assert.equal(lineStrokes(svg).length, 2);
  assert.equal(doc.querySelectorAll("circle").length, 6);
});

Deno.test("seriesPlotSvg rejects duplicate names and non-positive values on a log axis", () => {
  const s = { name: "a", points: [{ x: 1, y: 0 }] };
  assert.throws(() => seriesPlotSvg([s, s], { title: "", xLabel: "", yLabel: "" }), /unique/);
  assert.throws(
    () => seriesPlotSvg([s], { title: "", xLabel: "", yLabel: "", logY: true }),
    /logY/,
  );
});

Deno.test("a 50-epoch history is drawn as ranges of step blocks, not 47,000 points", () => {
  const history = Array.from({ length: 46_900 }, (_, i) => ({
    step: i + 1,
    epoch: 1 + Math.floor(i / 938),
    batch: i % 938,
    dLoss: 1 + (i % 7) / 10,
    gLoss: i % 2 ? null : 2 + (i % 5) / 10,
    dReal: 0.7,
    dFake: 0.3,
  }));
  const svg = lossPlotSvg(history, { stepsPerEpoch: 938 });
  assert.ok(svg.length < 400_000, `${svg.length} characters`);
  assert.match(svg, /faint: range of each 32 steps; bold: 469-step moving average/);
  assert.ok(svg.includes(">50<"), "the x axis reaches epoch 50");
});
