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
}

const SCALE = 10; // 28 px -> 280 px, nearest neighbour
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Draws 28x28 images (values in [0, 1]) side by side into `canvas`, `scale` times larger. */
function drawImages(canvas: HTMLCanvasElement, images: Float32Array, scale: number): void {
  const n = images.length / 784, side = 28 * scale;
  canvas.width = n * side;
  canvas.height = side;
  const ctx = canvas.getContext("2d")!;
  const out = ctx.createImageData(canvas.width, canvas.height);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < canvas.width; x++) {
      const k = Math.floor(x / side), px = Math.floor((x % side) / scale);
      const v = images[k * 784 + Math.floor(y / scale) * 28 + px];
      const g = Math.round(Math.max(0, Math.min(1, v)) * 255), o = (y * canvas.width + x) * 4;
      out.data[o] = out.data[o + 1] = out.data[o + 2] = g;
      out.data[o + 3] = 255;
    }
  }
  ctx.putImageData(out, 0, 0);
}

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

async function main(): Promise<void> {
  const backend = await chooseBackend();
  const info = await getJson<ModelInfo>("/api/model");
  const bytes = new Uint8Array(await (await fetch("/api/generator")).arrayBuffer());
  const generator = Generator.fromCheckpoint(
    decodeCheckpoint(bytes, "/api/generator"),
    "generator",
  );
  const zDim = info.config.zDim;
  const state = {
    seed: 0,
    base: new Float32Array(zDim) as Float32Array,
    dims: new Map<number, number>(),
    classOf: 0,
    edit: { from: 0, to: 1, strength: 0 },
    directions: null as DirectionsInfo | null,
  };

  $("title").textContent = `${info.label}, step ${info.step.toLocaleString("en-US")}`;
  $("source").textContent =
    `${info.source} — drawn in this browser with TensorFlow.js (${backend})`;

  const z = (): Float32Array => {
    const out = state.base.slice();
    for (const [d, v] of state.dims) out[d] = v;
    const dir = state.directions;
    if (dir && state.edit.strength !== 0) {
      const { from, to, strength } = state.edit;
      for (let d = 0; d < zDim; d++) out[d] += strength * (dir.means[to][d] - dir.means[from][d]);
    }
    return out;
  };
  const classes = (n: number) =>
    generator.conditional ? new Int32Array(n).fill(state.classOf) : undefined;
  let pixels: Float32Array = new Float32Array(784);
  // one drawing at a time; changes made meanwhile are drawn once it is done
  let drawing: Promise<void> | null = null, stale = false;
  const draw = (): Promise<void> => {
    stale = true;
    drawing ??= (async () => {
      while (stale) {
        stale = false;
        pixels = await generator.fromLatents(z(), { classes: classes(1) });
        drawImages($("main"), pixels, SCALE);
      }
      drawing = null;
      void readJudge();
    })();
    return drawing;
  };
  let judging = 0;
  const readJudge = async () => {
    const ticket = ++judging;
    const r = await judge();
    if (ticket === judging) {
      $("judge").textContent = `the judge reads: ${r.className} (${
        (100 * r.probability).toFixed(0)
      }%)`;
    }
  };
  const judge = () =>
    getJson<JudgeReading>("/api/judge", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pixels: Array.from(pixels) }),
    });

  // sliders, one per chosen dimension
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
      draw();
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
    return draw();
  };
  const setDim = (dim: number, value: number) => {
    if (!(Number.isInteger(dim) && dim >= 0 && dim < zDim)) throw new Error(`no dimension ${dim}`);
    addSlider(dim);
    const input = $(`dim-${dim}`) as HTMLInputElement;
    input.value = String(value);
    input.dispatchEvent(new Event("input"));
    return draw();
  };
  info.sliderDims.forEach(addSlider);
  $("seed").addEventListener(
    "change",
    () => setSeed(Number(($("seed") as HTMLInputElement).value) || 0),
  );
  $("random").addEventListener("click", () => setSeed(Math.floor(Math.random() * 1e6)));
  $("reset").addEventListener("click", () => (resetSliders(), draw()));
  $("add-dim").addEventListener("click", () => {
    const dim = Number(($("new-dim") as HTMLInputElement).value);
    if (Number.isInteger(dim) && dim >= 0 && dim < zDim) addSlider(dim);
  });

  // the class of a conditional model
  const classSelect = $("class") as HTMLSelectElement;
  classSelect.innerHTML = info.classNames.map((c, i) => `<option value="${i}">${i} ${c}</option>`)
    .join("");
  $("class-row").hidden = !generator.conditional;
  const setClass = (c: number) => {
    state.classOf = c;
    classSelect.value = String(c);
    return draw();
  };
  classSelect.addEventListener("change", () => setClass(Number(classSelect.value)));

  // interpolation between two latent points: a strip and an animation
  // A and B start as the noise of seeds 0 and 1
  let pointA = new Rng(0).fillNormal(new Float32Array(zDim));
  let pointB = new Rng(1).fillNormal(new Float32Array(zDim));
  const path = () => (($("interp-mode") as HTMLSelectElement).value === "spherical" ? slerp : lerp);
  const drawStrip = async () => {
    const frames = path()(pointA, pointB, 10);
    drawImages($("strip"), await generator.fromLatents(frames, { classes: classes(10) }), 2);
  };
  $("set-a").addEventListener("click", () => ((pointA = z()), drawStrip()));
  $("set-b").addEventListener("click", () => ((pointB = z()), drawStrip()));
  $("interp-mode").addEventListener("change", drawStrip);
  $("play").addEventListener("click", async () => {
    const frames = path()(pointA, pointB, 30);
    const images = await generator.fromLatents(frames, { classes: classes(30) });
    for (const i of [...Array(30).keys(), ...[...Array(30).keys()].reverse()]) {
      drawImages($("main"), images.subarray(i * 784, (i + 1) * 784), SCALE);
      await new Promise((r) => setTimeout(r, 50));
    }
    draw();
  });

  // a whole sweep of one dimension
  const drawGrid = async () => {
    const dim = Number(($("grid-dim") as HTMLInputElement).value);
    if (!(Number.isInteger(dim) && dim >= 0 && dim < zDim)) return;
    const values = linspace(-3, 3, 9);
    drawImages(
      $("grid"),
      await generator.fromLatents(sweepDimension(z(), dim, values), { classes: classes(9) }),
      2,
    );
  };
  $("grid-go").addEventListener("click", drawGrid);
  // the strip and the sweep show the class the picker asks for, as the main image does
  classSelect.addEventListener("change", () => Promise.all([drawStrip(), drawGrid()]));

  // projection of a real test image
  const tests = await getJson<TestImage[]>("/api/test-images");
  const testSelect = $("test-image") as HTMLSelectElement;
  testSelect.innerHTML = tests.map((t, i) =>
    `<option value="${i}">test #${t.index} (${info.classNames[t.label]})</option>`
  ).join("");
  const testPixels = (t: TestImage) =>
    Float32Array.from(atob(t.pixels), (c) => c.charCodeAt(0) / 255);
  const showTarget = () => drawImages($("target"), testPixels(tests[Number(testSelect.value)]), 4);
  testSelect.addEventListener("change", showTarget);
  $("project").addEventListener("click", async () => {
    const t = tests[Number(testSelect.value)], target = testPixels(t);
    $("projection").textContent = "projecting…";
    await new Promise((r) => setTimeout(r, 0));
    const p = await projectImage(generator, target, { steps: 200, classOf: state.classOf });
    $("reconstruction").hidden = false;
    drawImages($("reconstruction"), p.image, 4);
    $("projection").textContent = `pixel error ${p.mse.toFixed(4)}; the nearest training image ` +
      `(#${t.nearestIndex}) is at ${t.nearestMse.toFixed(4)}`;
    state.base = p.z;
    resetSliders();
    draw();
  });
  showTarget();

  // class directions (unconditional models)
  $("edit-row").hidden = !info.directions;
  if (info.directions) {
    const fill = (id: string, value: number) => {
      const s = $(id) as HTMLSelectElement;
      s.innerHTML = info.classNames.map((c, i) => `<option value="${i}">${c}</option>`).join("");
      s.value = String(value);
      s.addEventListener("change", () => {
        state.edit = { ...state.edit, [id === "edit-from" ? "from" : "to"]: Number(s.value) };
        draw();
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
      draw();
    });
  }

  await setSeed(0);
  await drawStrip();
  await drawGrid();
  handle.backend = () => backend;
  handle.model = () => info;
  handle.z = () => Array.from(z());
  handle.pixels = async () => {
    await drawing;
    return Array.from(pixels);
  };
  handle.setSeed = setSeed;
  handle.setDim = setDim;
  handle.setClass = setClass;
  handle.judge = async () => {
    await drawing;
    return judge();
  };
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
};
handle.ready = main().catch((err) => {
  $("error").textContent = `error: ${err instanceof Error ? err.message : err}`;
  throw err;
});
(globalThis as unknown as { explorer: ExplorerHandle }).explorer = handle;
