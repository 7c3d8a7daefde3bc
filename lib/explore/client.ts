/// <reference lib="dom" />
/**
 * The explorer's page, in the browser: the library's own generator (`Generator`, the same code
 * `deno task sample` runs) on TensorFlow.js, WebGL where the browser has it, else wasm, else
 * plain JavaScript. `server.ts` bundles this module for the browser and serves it with the
 * weights; it asks the server only for what needs the judge or the dataset (test images,
 * class directions, the judge's reading).
 *
 * For tests and scripts the page exposes `window.explorer` ({@link ExplorerHandle}).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { decodeCheckpoint } from "../io/checkpoint_format.ts";
import { lerp, linspace, slerp, sweepDimension } from "../latent.ts";
import { Generator } from "../models/generator.ts";
import { Rng } from "../random.ts";
import type { DirectionsInfo, JudgeReading, ModelInfo, TestImage } from "./api.ts";
import { projectImage } from "./projection.ts";
import { drawImages } from "./canvas.ts";
import { isStyleNetwork } from "../models/stylegan.ts";
import { truncatedImages } from "../models/style_mixing.ts";
import { stylePanel } from "./style_panel.ts";
import { type PairHandle, pairPanel } from "./pair_panel.ts";
import type { View } from "./view.ts";

/** What the page offers scripts (and the browser test) on `window.explorer`. */
export interface ExplorerHandle {
  /** Resolves once the model is loaded and the first image drawn. */
  ready: Promise<void>;
  /** The tfjs backend drawing (`webgl`, `wasm` or `cpu`). */
  backend(): string;
  /** The model. */
  model(): ModelInfo;
  /** The latent vector drawn now (edits applied). */
  z(): number[];
  /** The image drawn once the drawing under way is done: 784 values in [0, 1]. */
  pixels(): Promise<number[]>;
  /** Draws the noise of seed `seed` (as `deno task sample --seed`), sliders reset. */
  setSeed(seed: number): Promise<void>;
  /** Sets latent dimension `dim` to `value` (adding its slider). */
  setDim(dim: number, value: number): Promise<void>;
  /** A conditional model draws class `c`. */
  setClass(c: number): Promise<void>;
  /** The judge's reading of the image drawn now. */
  judge(): Promise<JudgeReading>;
  /** A StyleGAN draws with truncation `psi` (1: as trained). */
  setPsi(psi: number): Promise<void>;
  /**
   * A StyleGAN's style mixing: the image with this z's coarse styles and the fine styles
   * (from resolution `fineFrom` on: 14 or 28) of seed `seed`'s z; 784 values in [0, 1].
   */
  mix(seed: number, fineFrom: number): Promise<number[]>;
  /** The translation panel's handle when a CycleGAN pair is served, else null. */
  pair(): PairHandle | null;
}

const SCALE = 10; // 28 px -> 280 px, nearest neighbour
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Picks the fastest tfjs backend this browser runs: webgl, then wasm, then cpu. */
async function chooseBackend(): Promise<string> {
  setWasmPaths("/tfjs-wasm/");
  for (const name of ["webgl", "wasm", "cpu"]) {
    try {
      if (await tf.setBackend(name)) {
        tf.tidy(() => tf.add(tf.scalar(1), 1).dataSync()); // fails here when a context is lost
        return name;
      }
    } catch { /* next */ }
  }
  throw new Error("no TensorFlow.js backend started");
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return await res.json() as T;
}

async function createView(backend: string): Promise<View> {
  const info = await getJson<ModelInfo>("/api/model");
  const bytes = new Uint8Array(await (await fetch("/api/generator")).arrayBuffer());
  const generator = Generator.fromCheckpoint(
    decodeCheckpoint(bytes, "/api/generator"),
    "generator",
  );
  const zDim = info.config.zDim;
  const state: View["state"] = {
    seed: 0,
    base: new Float32Array(zDim),
    dims: new Map(),
    classOf: 0,
    edit: { from: 0, to: 1, strength: 0 },
    directions: null,
    psi: 1,
  };
  const styled = isStyleNetwork(generator.drawing);
  $("title").textContent = `${info.label}, step ${info.step.toLocaleString("en-US")}`;
  $("source").textContent =
    `${info.source} — drawn in this browser with TensorFlow.js (${backend})`;
  let pixels: Float32Array = new Float32Array(784);
  let drawing: Promise<void> | null = null, stale = false, judging = 0;
  const view: View = {
    generator,
    info,
    zDim,
    state,
    styled,
    z() {
      const out = state.base.slice();
      for (const [d, v] of state.dims) out[d] = v;
      const dir = state.directions;
      if (dir && state.edit.strength !== 0) {
        const { from, to, strength } = state.edit;
        for (let d = 0; d < zDim; d++) {
          out[d] += strength * (dir.means[to][d] - dir.means[from][d]);
        }
      }
      return out;
    },
    classes: (n) => generator.conditional ? new Int32Array(n).fill(state.classOf) : undefined,
    draw() {
      stale = true;
      drawing ??= (async () => {
        while (stale) {
          stale = false;
          pixels = styled
            ? await truncatedImages(generator, view.z(), { psi: state.psi })
            : await generator.fromLatents(view.z(), { classes: view.classes(1) });
          drawImages($("main"), pixels, SCALE);
        }
        drawing = null;
        void readJudge();
      })();
      return drawing;
    },
    settled: async () => {
      await drawing;
    },
    pixels: () => pixels,
    judge: () =>
      getJson<JudgeReading>("/api/judge", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ pixels: Array.from(pixels) }),
      }),
  };
  const readJudge = async () => {
    const ticket = ++judging;
    const r = await view.judge();
    if (ticket === judging) {
      $("judge").textContent = `the judge reads: ${r.className} (${
        (100 * r.probability).toFixed(0)
      }%)`;
    }
  };
  return view;
}

/** The seed and one slider per chosen latent dimension; returns setSeed, setDim and reset. */
function latentPanel(view: View) {
  const { state, zDim } = view;
  const sliders = $("sliders");
  const addSlider = (dim: number) => {
    if (document.getElementById(`dim-${dim}`)) return;
    const row = document.createElement("label");
    row.className = "slider";
    row.innerHTML =
      `<span>z[${dim}]</span><input type="range" id="dim-${dim}" min="-3" max="3" step="0.05"><output></output>`;
    sliders.append(row);
    const input = row.querySelector("input")!, out = row.querySelector("output")!;
    const show = () => (out.textContent = Number(input.value).toFixed(2));
    input.value = String(state.dims.get(dim) ?? state.base[dim]);
    show();
    input.addEventListener("input", () => {
      state.dims.set(dim, Number(input.value));
      show();
      view.draw();
    });
  };
  const resetSliders = () => {
    state.dims.clear();
    sliders.querySelectorAll("input").forEach((input) => {
      const dim = Number(input.id.slice(4));
      input.value = String(state.base[dim]);
      input.dispatchEvent(new Event("input"));
      state.dims.delete(dim);
    });
  };
  const setSeed = (seed: number) => {
    state.seed = seed;
    ($("seed") as HTMLInputElement).value = String(seed);
    state.base = new Rng(seed).fillNormal(new Float32Array(zDim)); // as `sample --seed` draws
    resetSliders();
    return view.draw();
  };
  const setDim = (dim: number, value: number) => {
    if (!(Number.isInteger(dim) && dim >= 0 && dim < zDim)) throw new Error(`no dimension ${dim}`);
    addSlider(dim);
    const input = $(`dim-${dim}`) as HTMLInputElement;
    input.value = String(value);
    input.dispatchEvent(new Event("input"));
    return view.draw();
  };
  view.info.sliderDims.forEach(addSlider);
  $("seed").addEventListener(
    "change",
    () => setSeed(Number(($("seed") as HTMLInputElement).value) || 0),
  );
  $("random").addEventListener("click", () => setSeed(Math.floor(Math.random() * 1e6)));
  $("reset").addEventListener("click", () => (resetSliders(), view.draw()));
  $("add-dim").addEventListener("click", () => {
    const dim = Number(($("new-dim") as HTMLInputElement).value);
    if (Number.isInteger(dim) && dim >= 0 && dim < zDim) addSlider(dim);
  });
  return { setSeed, setDim, resetSliders };
}

/** The class picker of a conditional model; returns setClass. */
function classPanel(view: View, onChange: () => void) {
  const classSelect = $("class") as HTMLSelectElement;
  classSelect.innerHTML = view.info.classNames
    .map((c, i) => `<option value="${i}">${i} ${c}</option>`).join("");
  $("class-row").hidden = !view.generator.conditional;
  const setClass = (c: number) => {
    view.state.classOf = c;
    classSelect.value = String(c);
    return view.draw();
  };
  classSelect.addEventListener("change", () => (setClass(Number(classSelect.value)), onChange()));
  return setClass;
}

/**
 * Interpolation between two latent points (A and B start as the noise of seeds 0 and 1): a
 * strip and an animation. Returns the strip's drawing.
 */
function interpolationPanel(view: View): () => Promise<void> {
  const { generator, zDim } = view;
  let pointA = new Rng(0).fillNormal(new Float32Array(zDim));
  let pointB = new Rng(1).fillNormal(new Float32Array(zDim));
  const path = () => (($("interp-mode") as HTMLSelectElement).value === "spherical" ? slerp : lerp);
  const drawStrip = async () => {
    const frames = path()(pointA, pointB, 10);
    drawImages($("strip"), await generator.fromLatents(frames, { classes: view.classes(10) }), 2);
  };
  $("set-a").addEventListener("click", () => ((pointA = view.z()), drawStrip()));
  $("set-b").addEventListener("click", () => ((pointB = view.z()), drawStrip()));
  $("interp-mode").addEventListener("change", drawStrip);
  $("play").addEventListener("click", async () => {
    const frames = path()(pointA, pointB, 30);
    const images = await generator.fromLatents(frames, { classes: view.classes(30) });
    for (const i of [...Array(30).keys(), ...[...Array(30).keys()].reverse()]) {
      drawImages($("main"), images.subarray(i * 784, (i + 1) * 784), SCALE);
      await new Promise((r) => setTimeout(r, 50));
    }
    view.draw();
  });
  return drawStrip;
}

/** A whole sweep of one dimension; returns its drawing. */
function sweepPanel(view: View): () => Promise<void> {
  const drawGrid = async () => {
    const dim = Number(($("grid-dim") as HTMLInputElement).value);
    if (!(Number.isInteger(dim) && dim >= 0 && dim < view.zDim)) return;
    const latents = sweepDimension(view.z(), dim, linspace(-3, 3, 9));
    drawImages(
      $("grid"),
      await view.generator.fromLatents(latents, { classes: view.classes(9) }),
      2,
    );
  };
  $("grid-go").addEventListener("click", drawGrid);
  return drawGrid;
}

/** Projection of a real test image onto the generator's latent space. */
async function projectionPanel(view: View, resetSliders: () => void): Promise<void> {
  const tests = await getJson<TestImage[]>("/api/test-images");
  const testSelect = $("test-image") as HTMLSelectElement;
  testSelect.innerHTML = tests.map((t, i) =>
    `<option value="${i}">test #${t.index} (${view.info.classNames[t.label]})</option>`
  ).join("");
  const testPixels = (t: TestImage) =>
    Float32Array.from(atob(t.pixels), (c) => c.charCodeAt(0) / 255);
  const showTarget = () => drawImages($("target"), testPixels(tests[Number(testSelect.value)]), 4);
  testSelect.addEventListener("change", showTarget);
  $("project").addEventListener("click", async () => {
    const t = tests[Number(testSelect.value)], target = testPixels(t);
    $("projection").textContent = "projecting…";
    await new Promise((r) => setTimeout(r, 0));
    const p = await projectImage(view.generator, target, {
      steps: 200,
      classOf: view.state.classOf,
    });
    $("reconstruction").hidden = false;
    drawImages($("reconstruction"), p.image, 4);
    $("projection").textContent = `pixel error ${p.mse.toFixed(4)}; the nearest training image ` +
      `(#${t.nearestIndex}) is at ${t.nearestMse.toFixed(4)}`;
    view.state.base = p.z;
    resetSliders();
    view.draw();
  });
  showTarget();
}

/** Edits along class directions (unconditional models). */
function editPanel(view: View): void {
  const { info, state } = view;
  $("edit-row").hidden = !info.directions;
  if (!info.directions) return;
  const fill = (id: string, value: number) => {
    const s = $(id) as HTMLSelectElement;
    s.innerHTML = info.classNames.map((c, i) => `<option value="${i}">${c}</option>`).join("");
    s.value = String(value);
    s.addEventListener("change", () => {
      state.edit = { ...state.edit, [id === "edit-from" ? "from" : "to"]: Number(s.value) };
      view.draw();
    });
  };
  fill("edit-from", 0);
  fill("edit-to", 1);
  $("edit-strength").addEventListener("input", async () => {
    state.directions ??= await getJson<DirectionsInfo>("/api/directions");
    state.edit = {
      ...state.edit,
      strength: Number(($("edit-strength") as HTMLInputElement).value),
    };
    $("edit-value").textContent = state.edit.strength.toFixed(2);
    view.draw();
  });
}

async function main(): Promise<void> {
  const backend = await chooseBackend();
  const view = await createView(backend);
  const { setSeed, setDim, resetSliders } = latentPanel(view);
  const drawStrip = interpolationPanel(view);
  const drawGrid = sweepPanel(view);
  // the strip and the sweep show the class the picker asks for, as the main image does
  const setClass = classPanel(view, () => void Promise.all([drawStrip(), drawGrid()]));
  await projectionPanel(view, resetSliders);
  editPanel(view);
  const { setPsi, mix, drawMix } = stylePanel(view);
  const pair = await pairPanel(view);

  await setSeed(0);
  await drawStrip();
  await drawGrid();
  await drawMix();
  handle.backend = () => backend;
  handle.model = () => view.info;
  handle.z = () => Array.from(view.z());
  handle.pixels = async () => {
    await view.settled();
    return Array.from(view.pixels());
  };
  handle.setSeed = setSeed;
  handle.setDim = setDim;
  handle.setClass = setClass;
  handle.judge = async () => {
    await view.settled();
    return view.judge();
  };
  handle.setPsi = setPsi;
  handle.pair = () => pair;
  handle.mix = async (seed, fineFrom) => Array.from(await mix(seed, fineFrom));
}

const notReady = () => {
  throw new Error("the explorer is still loading: await explorer.ready");
};
const handle: ExplorerHandle = {
  ready: Promise.resolve(),
  backend: notReady,
  model: notReady,
  z: notReady,
  pixels: notReady,
  setSeed: notReady,
  setDim: notReady,
  setClass: notReady,
  judge: notReady,
  setPsi: notReady,
  mix: notReady,
  pair: notReady,
};
handle.ready = main().catch((err) => {
  $("error").textContent = `error: ${err instanceof Error ? err.message : err}`;
  throw err;
});
(globalThis as unknown as { explorer: ExplorerHandle }).explorer = handle;
