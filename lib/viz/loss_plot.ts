/**
 * Line charts as standalone SVG strings, drawn headless with Observable Plot on a linkedom
 * document (no browser, no native code).
 *
 * - {@link lossPlotSvg}: G and D loss per training step, faint raw lines plus bold moving
 *   averages, x in epochs when `stepsPerEpoch` is given.
 * - {@link seriesPlotSvg}: generic multi-series line chart (e.g. FID per epoch).
 *
 * Plot renders the axes, grid and lines; the title and the colour legend are drawn here as SVG
 * (Plot's own title and swatch legend are HTML, which would not survive as `image/svg+xml`).
 * The result has an `xmlns`, a white background, and nests Plot's `<svg>` below the header.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";

/** One training step of a GAN run (a subset of the trainer's `StepRecord`). */
export interface LossRecord {
  /** 1-based global step number. */
  step: number;
  /** 1-based epoch. */
  epoch: number;
  /** Discriminator loss at this step. */
  dLoss: number;
  /** Generator loss, or null on steps where G was not updated. */
  gLoss: number | null;
}

/** Options for {@link lossPlotSvg}. */
export interface LossPlotOptions {
  /** Title above the chart. Default "GAN losses". */
  title?: string;
  /**
   * Moving-average window in steps (centred; partial windows at the ends). Default
   * `max(1, round(span / 100))`, i.e. about 1% of the steps. 1 turns smoothing off (only the
   * raw lines are drawn, at full opacity).
   */
  smoothing?: number;
  /** Width in pixels. Default 720. */
  width?: number;
  /** Height in pixels, header included. Default 380. */
  height?: number;
  /** Steps per epoch: when given, x is `step / stepsPerEpoch` (epochs) with integer ticks. */
  stepsPerEpoch?: number;
}

/** One named series of points for {@link seriesPlotSvg}. */
export interface Series {
  /** Legend label. */
  name: string;
  /** Points, in any order (they are sorted by x). Non-finite y values are skipped. */
  points: { x: number; y: number }[];
}

/** Options for {@link seriesPlotSvg}. */
export interface SeriesPlotOptions {
  /** Title above the chart. */
  title: string;
  /** X axis label. */
  xLabel: string;
  /** Y axis label. */
  yLabel: string;
  /** Width in pixels. Default 720. */
  width?: number;
  /** Height in pixels, header included. Default 380. */
  height?: number;
  /** Draw a dot at every point. Default: when no series has more than 60 points. */
  dots?: boolean;
  /** Log-scale y axis (all y must be > 0). Default false. */
  logY?: boolean;
  /** Fixed y domain [min, max]. Default: from the data (zero not forced). */
  yDomain?: [number, number];
  /** Integer ticks on x (e.g. epochs). Default false. */
  integerX?: boolean;
}

/** Colours (Tableau 10) used for series, in order. D is the first, G the second. */
export const SERIES_COLORS: readonly string[] = [
  "#4e79a7",
  "#f28e2c",
  "#59a14f",
  "#e15759",
  "#76b7b2",
  "#edc949",
  "#af7aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ab",
];

const DEFAULT_WIDTH = 720;
/** Per-step points a loss chart draws at most; longer runs are drawn as block ranges. */
const MAX_RAW_POINTS = 1500;
const DEFAULT_HEIGHT = 380;
const FONT = "system-ui, 'DejaVu Sans', sans-serif";

/** Margins and text style shared by every chart of this module. */
const PLOT_FRAME = {
  marginLeft: 50,
  marginTop: 26,
  marginRight: 24,
  marginBottom: 40,
  style: { fontFamily: FONT, fontSize: "11px" },
};

/**
 * Centred moving average of `ys` over a window of `window` steps, where the points sit at
 * (sorted, possibly irregular) positions `xs`: each output is the mean of the inputs whose x
 * lies within `[x - (window - 1) / 2, x + (window - 1) / 2]`. Near the ends the window is
 * partial, so the output has the same length as the input. `window <= 1` returns a copy.
 */
export function movingAverage(
  xs: readonly number[],
  ys: readonly number[],
  window: number,
): number[] {
  if (xs.length !== ys.length) {
    throw new Error(`movingAverage: ${xs.length} x values but ${ys.length} y values`);
  }
  if (!(window > 1)) return ys.slice();
  const half = (window - 1) / 2;
  const out = new Array<number>(ys.length);
  let lo = 0;
  let hi = 0; // exclusive
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    while (hi < xs.length && xs[hi] <= xs[i] + half) sum += ys[hi++];
    while (xs[lo] < xs[i] - half) sum -= ys[lo++];
    out[i] = sum / (hi - lo);
  }
  return out;
}

/**
 * SVG line chart of a GAN's D and G loss per step: faint raw lines, bold centred moving
 * averages (see {@link LossPlotOptions.smoothing}), colour legend, title and axis labels.
 * Steps with `gLoss === null` (G not updated) are skipped for G only; non-finite losses are
 * skipped. Any length works, including 0 or 1 steps (a single point is drawn as a dot).
 */
export function lossPlotSvg(history: readonly LossRecord[], options: LossPlotOptions = {}): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? DEFAULT_HEIGHT;
  const spe = options.stepsPerEpoch;
  if (spe !== undefined && !(spe > 0)) {
    throw new Error(`lossPlotSvg: stepsPerEpoch must be > 0, got ${spe}`);
  }
  const sorted = [...history].sort((a, b) => a.step - b.step);
  const span = sorted.length ? sorted[sorted.length - 1].step - sorted[0].step + 1 : 0;
  const window = Math.max(1, Math.round(options.smoothing ?? span / 100));
  const toX = (step: number) => (spe ? step / spe : step);

  type Row = { x: number; y: number; series: string };
  type Band = { x: number; lo: number; hi: number; series: string };
  const raw: Row[] = [];
  const smooth: Row[] = [];
  const bands: Band[] = [];
  const names = ["D loss", "G loss"];
  // a long run draws its per-step losses as the range of each block of `block` steps: as many
  // points as the chart has pixels, not one per step (a 50-epoch run has 47,000 steps)
  const block = Math.max(1, Math.ceil(span / MAX_RAW_POINTS));
  for (const name of names) {
    const pts = sorted
      .map((r) => ({ step: r.step, y: name === "D loss" ? r.dLoss : r.gLoss }))
      .filter((p): p is { step: number; y: number } => p.y !== null && Number.isFinite(p.y));
    const steps = pts.map((p) => p.step);
    const avg = movingAverage(steps, pts.map((p) => p.y), window);
    let last = -1;
    pts.forEach((p, i) => {
      const at = Math.floor((p.step - 1) / block);
      if (block === 1) raw.push({ x: toX(p.step), y: p.y, series: name });
      else if (bands.at(-1)?.series === name && at === last) {
        const band = bands.at(-1)!;
        band.lo = Math.min(band.lo, p.y);
        band.hi = Math.max(band.hi, p.y);
      } else bands.push({ x: toX(p.step), lo: p.y, hi: p.y, series: name });
      if (block === 1 || at !== last) smooth.push({ x: toX(p.step), y: avg[i], series: name });
      last = at;
    });
  }

  const smoothed = window > 1;
  const marks: Plot.Markish[] = block === 1
    ? [
      Plot.lineY(raw, {
        x: "x",
        y: "y",
        z: "series",
        stroke: "series",
        strokeOpacity: smoothed ? 0.25 : 1,
        strokeWidth: 1,
      }),
    ]
    : [
      Plot.areaY(bands, {
        x: "x",
        y1: "lo",
        y2: "hi",
        z: "series",
        fill: "series",
        fillOpacity: 0.2,
      }),
    ];
  if (smoothed) {
    marks.push(
      Plot.lineY(smooth, { x: "x", y: "y", z: "series", stroke: "series", strokeWidth: 2 }),
    );
  }
  if (sorted.length <= 50) {
    marks.push(Plot.dot(raw, { x: "x", y: "y", stroke: "series", r: 2 }));
  }

  const xMax = sorted.length ? toX(sorted[sorted.length - 1].step) : 1;
  const xOptions: Plot.ScaleOptions = spe
    ? { label: "epoch", ticks: integerTicks(0, Math.max(1, Math.ceil(xMax))), tickFormat: "d" }
    : { label: "step" };
  if (spe) xOptions.domain = [0, Math.max(xMax, 1)];
  const legend = names.map((name, i) => ({ name, color: SERIES_COLORS[i] }));
  const faint = block === 1 ? "per step" : `range of each ${block} steps`;
  const note = smoothed ? `faint: ${faint}; bold: ${window}-step moving average` : spe ? faint : "";
  return composeSvg({
    title: options.title ?? "GAN losses",
    legend,
    note,
    width,
    height,
    plot: (plotHeight, document) =>
      Plot.plot({
        document,
        width,
        height: plotHeight,
        ...PLOT_FRAME,
        x: { ...xOptions, labelAnchor: "center", labelArrow: "none" },
        y: { label: "loss", grid: true, labelArrow: "none" },
        color: { domain: names, range: legend.map((l) => l.color) },
        marks,
      }),
  });
}

/**
 * SVG line chart of named series (e.g. FID over epochs), with dots, colour legend, title and
 * axis labels. Series with no finite points are still listed in the legend.
 */
export function seriesPlotSvg(series: readonly Series[], options: SeriesPlotOptions): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? DEFAULT_HEIGHT;
  const names = series.map((s) => s.name);
  if (new Set(names).size !== names.length) {
    throw new Error(`seriesPlotSvg: series names must be unique, got ${JSON.stringify(names)}`);
  }
  const rows = series.flatMap((s) =>
    s.points
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
      .sort((a, b) => a.x - b.x)
      .map((p) => ({ x: p.x, y: p.y, series: s.name }))
  );
  if (options.logY && rows.some((r) => r.y <= 0)) {
    throw new Error("seriesPlotSvg: logY needs every y > 0");
  }
  const dots = options.dots ?? series.every((s) => s.points.length <= 60);
  const marks: Plot.Markish[] = [
    Plot.lineY(rows, { x: "x", y: "y", z: "series", stroke: "series", strokeWidth: 2 }),
  ];
  if (dots) marks.push(Plot.dot(rows, { x: "x", y: "y", fill: "series", r: 3 }));
  const colors = names.map((_, i) => SERIES_COLORS[i % SERIES_COLORS.length]);
  const xOptions: Plot.ScaleOptions = { label: options.xLabel };
  if (options.integerX && rows.length) {
    const xs = rows.map((r) => r.x);
    xOptions.ticks = integerTicks(Math.floor(Math.min(...xs)), Math.ceil(Math.max(...xs)));
    xOptions.tickFormat = "d";
  }
  const yOptions: Plot.ScaleOptions = { label: options.yLabel, grid: true };
  if (options.logY) yOptions.type = "log";
  if (options.yDomain) yOptions.domain = options.yDomain;
  return composeSvg({
    title: options.title,
    legend: names.map((name, i) => ({ name, color: colors[i] })),
    note: "",
    width,
    height,
    plot: (plotHeight, document) =>
      Plot.plot({
        document,
        width,
        height: plotHeight,
        ...PLOT_FRAME,
        x: { ...xOptions, labelAnchor: "center", labelArrow: "none" },
        y: { ...yOptions, labelArrow: "none" },
        color: { domain: names, range: colors },
        marks,
      }),
  });
}

/** At most ~12 integer ticks from `lo` to `hi`, with a 1/2/5 x 10^k stride. */
function integerTicks(lo: number, hi: number): number[] {
  const n = Math.max(1, hi - lo);
  let stride = 1;
  for (const base of [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000]) {
    stride = base;
    if (n / base <= 12) break;
  }
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / stride) * stride; t <= hi; t += stride) ticks.push(t);
  return ticks;
}

/** Escapes text for SVG character data and attribute values. */
function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

interface ComposeArgs {
  title: string;
  legend: { name: string; color: string }[];
  note: string;
  width: number;
  height: number;
  plot: (plotHeight: number, document: PlotDocument) => unknown;
}

/** The DOM document type Plot expects (no DOM lib in Deno's default types, so derived). */
type PlotDocument = NonNullable<Plot.PlotOptions["document"]>;

/** The few members of Plot's returned `<svg>` element used here. */
interface SvgElementLike {
  tagName: string;
  outerHTML: string;
  setAttribute(name: string, value: string): void;
}

/** Title + legend header above a Plot chart, all inside one standalone `<svg>`. */
function composeSvg(a: ComposeArgs): string {
  const titleH = a.title ? 28 : 0;
  const legendH = 22;
  const headerH = titleH + legendH;
  const plotHeight = Math.max(60, a.height - headerH);
  const { document } = parseHTML(
    "<!DOCTYPE html><html><head></head><body></body></html>",
  ) as unknown as { document: PlotDocument };
  const chart = a.plot(plotHeight, document) as SvgElementLike;
  if (chart.tagName.toLowerCase() !== "svg") {
    throw new Error(`internal: Plot returned <${chart.tagName}>, expected <svg>`);
  }
  chart.setAttribute("y", String(headerH));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${a.width}" height="${headerH + plotHeight}" ` +
      `viewBox="0 0 ${a.width} ${headerH + plotHeight}" font-family="${escapeXml(FONT)}">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  if (a.title) {
    parts.push(
      `<text class="title" x="${a.width / 2}" y="20" text-anchor="middle" font-size="15" ` +
        `font-weight="bold" fill="black">${escapeXml(a.title)}</text>`,
    );
  }
  let x = 50;
  const y = titleH + 13;
  parts.push(`<g class="legend" font-size="12" fill="black">`);
  for (const item of a.legend) {
    parts.push(
      `<line x1="${x}" y1="${y - 4}" x2="${x + 18}" y2="${y - 4}" stroke="${item.color}" ` +
        `stroke-width="3"/>`,
      `<text x="${x + 23}" y="${y}">${escapeXml(item.name)}</text>`,
    );
    x += 23 + approxTextWidth(item.name, 12) + 18;
  }
  if (a.note) {
    parts.push(
      `<text x="${a.width - 10}" y="${y}" text-anchor="end" fill="#555" font-size="11">` +
        `${escapeXml(a.note)}</text>`,
    );
  }
  parts.push(`</g>`);
  parts.push(chart.outerHTML);
  parts.push(`</svg>`);
  return parts.join("");
}

/** Rough text width (no font metrics headless): 0.6 em per character. */
function approxTextWidth(s: string, fontSize: number): number {
  return Math.ceil(s.length * fontSize * 0.6);
}
