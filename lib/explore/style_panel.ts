/// <reference lib="dom" />
/**
 * The explorer's StyleGAN panel: a truncation slider for the main image and style mixing with a
 * second seed (shown only when the model is a StyleGAN).
 *
 * @module
 */
import { mixStyles } from "../models/style_mixing.ts";
import { Rng } from "../random.ts";
import { drawImages } from "./canvas.ts";
import type { View } from "./view.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * Wires the panel; returns setPsi, mix (the mixed image of this z and seed `seed`) and drawMix
 * (draws the strip for the seed and scale in the panel's inputs: the page calls it on load, so the
 * strip is never empty; it does nothing for a model that is not a StyleGAN).
 */
export function stylePanel(view: View) {
  $("style-row").hidden = !view.styled;
  const psiInput = $("psi") as HTMLInputElement;
  const setPsi = (psi: number) => {
    if (!view.styled) throw new Error(`${view.info.config.kind} has no truncation: not a StyleGAN`);
    view.state.psi = psi;
    psiInput.value = String(psi);
    $("psi-value").textContent = psi.toFixed(2);
    return view.draw();
  };
  psiInput.addEventListener("input", () => void setPsi(Number(psiInput.value)));
  /** The 2x2 grid of (this z, seed's z) as coarse x fine, drawn as a strip; returns it. */
  const mixGrid = async (seed: number, fineFrom: number) => {
    const other = new Rng(seed).fillNormal(new Float32Array(view.zDim)); // as `sample --seed`
    const pair = new Float32Array(2 * view.zDim);
    pair.set(view.z(), 0);
    pair.set(other, view.zDim);
    const grid = await mixStyles(view.generator, {
      coarse: pair,
      fine: pair,
      fineFrom,
      psi: view.state.psi,
    });
    drawImages($("mix"), grid, 4);
    return grid;
  };
  const mix = async (seed: number, fineFrom: number) => {
    if (!view.styled) throw new Error(`${view.info.config.kind} has no styles: not a StyleGAN`);
    ($("mix-seed") as HTMLInputElement).value = String(seed);
    ($("mix-from") as HTMLSelectElement).value = String(fineFrom);
    return (await mixGrid(seed, fineFrom)).slice(784, 2 * 784); // this z's coarse, seed's fine
  };
  const drawMix = async () => {
    if (!view.styled) return;
    await mixGrid(
      Number(($("mix-seed") as HTMLInputElement).value) || 0,
      Number(($("mix-from") as HTMLSelectElement).value),
    );
  };
  $("mix-go").addEventListener("click", () => void drawMix());
  return { setPsi, mix, drawMix };
}
