/// <reference lib="dom" />
/**
 * The explorer's translation panel, shown when a CycleGAN pair is served beside the generator:
 * pick a test image of either class (or upload any image, drawn at 28x28 in gray) and see it
 * translated to the other class and back, in this browser.
 *
 * @module
 */
import { decodeCheckpoint } from "../io/checkpoint_format.ts";
import { type Direction, Translator } from "../models/translator.ts";
import type { PairImages } from "./api.ts";
import { drawImages } from "./canvas.ts";
import type { View } from "./view.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** What the panel offers `window.explorer`. */
export interface PairHandle {
  /** Translates `pixels` (784 values in [0, 1]) A -> B or B -> A: the translation and its way back. */
  translate(pixels: number[], direction: Direction): Promise<{ out: number[]; back: number[] }>;
  /** Translates test image `i` of the panel's list (A's first, then B's). */
  translateTest(i: number): Promise<{ out: number[]; back: number[] }>;
}

/** Grayscale 28x28 pixels in [0, 1] of an image file, drawn to fit (aspect kept, centred). */
async function filePixels(file: File): Promise<Float32Array> {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 28;
  const ctx = canvas.getContext("2d")!;
  ctx.fillStyle = "black";
  ctx.fillRect(0, 0, 28, 28);
  const s = 28 / Math.max(bitmap.width, bitmap.height);
  const w = bitmap.width * s, h = bitmap.height * s;
  ctx.drawImage(bitmap, (28 - w) / 2, (28 - h) / 2, w, h);
  const rgba = ctx.getImageData(0, 0, 28, 28).data;
  return Float32Array.from(
    { length: 784 },
    (_, i) => (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255,
  );
}

/** Wires the panel when the server has a pair; returns its handle, or null. */
export async function pairPanel(view: View): Promise<PairHandle | null> {
  const info = view.info.translator;
  $("pair-row").hidden = !info;
  if (!info) return null;
  const bytes = new Uint8Array(await (await fetch("/api/translator")).arrayBuffer());
  const translator = Translator.fromCheckpoint(decodeCheckpoint(bytes, "/api/translator"), "pair");
  const images = await (await fetch("/api/pair-images")).json() as PairImages;
  const names = view.info.classNames;
  const tests = [
    ...images.a.map((t) => ({ ...t, direction: "AB" as Direction, label: names[info.from] })),
    ...images.b.map((t) => ({ ...t, direction: "BA" as Direction, label: names[info.to] })),
  ];
  $("pair-title").textContent = `Translate (${info.label})`;
  const select = $("pair-image") as HTMLSelectElement;
  select.innerHTML = tests.map((t, i) =>
    `<option value="${i}">test #${t.index} (${t.label})</option>`
  )
    .join("");
  const pixelsOf = (i: number) =>
    Float32Array.from(atob(tests[i].pixels), (c) => c.charCodeAt(0) / 255);
  const translate = async (pixels: Float32Array, direction: Direction) => {
    const out = await translator.translate(pixels, direction);
    const back = await translator.translate(out, direction === "AB" ? "BA" : "AB");
    const strip = new Float32Array(3 * 784);
    strip.set(pixels, 0);
    strip.set(out, 784);
    strip.set(back, 2 * 784);
    drawImages($("pair"), strip, 4);
    const [from, to] = direction === "AB" ? [info.from, info.to] : [info.to, info.from];
    $("pair-caption").textContent = `${names[from]} -> ${names[to]} -> ${
      names[from]
    }: the image, its translation, and back`;
    return { out: Array.from(out), back: Array.from(back) };
  };
  const translateTest = (i: number) => {
    select.value = String(i);
    return translate(pixelsOf(i), tests[i].direction);
  };
  select.addEventListener("change", () => void translateTest(Number(select.value)));
  $("pair-upload").addEventListener("change", async () => {
    const file = ($("pair-upload") as HTMLInputElement).files?.[0];
    if (!file) return;
    const direction = ($("pair-direction") as HTMLSelectElement).value as Direction;
    await translate(await filePixels(file), direction);
  });
  const dir = $("pair-direction") as HTMLSelectElement;
  dir.innerHTML = `<option value="AB">${names[info.from]} -> ${names[info.to]}</option>` +
    `<option value="BA">${names[info.to]} -> ${names[info.from]}</option>`;
  await translateTest(0);
  return {
    translate: (pixels, direction) => translate(Float32Array.from(pixels), direction),
    translateTest,
  };
}
