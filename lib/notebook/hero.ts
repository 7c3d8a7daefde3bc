/**
 * The hero figure: what each shipped model draws, one row per model with its name, length and
 * FID, drawn from the shipped generators themselves (`deno task hero` writes `docs/hero.png`;
 * the README and the report's front page open with it).
 *
 * @module
 */
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { listPretrained, openPretrained, PRETRAINED_DIR } from "../train/pretrained.ts";
import { imageGridPng } from "../viz/labelled_grid.ts";

/** Where `deno task hero` writes the figure (committed; the README shows it). */
export const HERO_FILE: string = fileURLToPath(new URL("../../docs/hero.png", import.meta.url));

/** The report's three models first, then the variants, in this order when shipped. */
const ORDER = ["mlp", "dcgan", "improved", "cdcgan", "dcgan-hinge-sn"];

/** Options of {@link heroFigure}. */
export interface HeroOptions {
  /** Where the shipped models live. Default `assets/pretrained/`. */
  root?: string;
  /** Images per model (a conditional model draws the classes in turn). Default 10. */
  perModel?: number;
  /** Noise seed (as `deno task sample --seed`). Default 7. */
  seed?: number;
}

/** One row of the hero figure: the model and what its label says. */
export interface HeroRow {
  name: string;
  label: string;
  epochs: number;
  fid: number | null;
}

/**
 * Draws `perModel` samples of every shipped model into one labelled PNG, a row per model
 * (its label, epochs and FID on the left).
 *
 * @example
 * ```ts
 * const { png } = await heroFigure();
 * fs.writeFileSync("hero.png", png);
 * ```
 * @throws when there is no shipped model in `root`.
 */
export async function heroFigure(
  options: HeroOptions = {},
): Promise<{ png: Uint8Array; rows: HeroRow[] }> {
  const root = options.root ?? PRETRAINED_DIR, perModel = options.perModel ?? 10;
  const names = listPretrained(root).sort((a, b) =>
    (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b)
  );
  if (names.length === 0) throw new Error(`no shipped model in ${root}`);
  const images = new Float32Array(names.length * perModel * 784);
  const rows: HeroRow[] = [];
  for (const [i, name] of names.entries()) {
    const { run, manifest } = openPretrained(name, root);
    const generator = run.loadGenerator();
    try {
      images.set(await generator.sample(perModel, { seed: options.seed ?? 7 }), i * perModel * 784);
    } finally {
      generator.dispose();
    }
    rows.push({
      name,
      label: manifest.label,
      epochs: manifest.epochs,
      fid: manifest.scores?.fid ?? null,
    });
  }
  const rowLabels = rows.map((r) =>
    `${r.label}: ${Math.round(r.epochs)} epochs, FID ${r.fid === null ? "?" : r.fid.toFixed(1)}`
  );
  const png = imageGridPng(images, {
    columns: perModel,
    scale: 3,
    padding: 3,
    fontSize: 15,
    range: [0, 1],
    rowLabels,
    title: "What the shipped models draw (FID on 10,000 samples, lower is better)",
  });
  return { png, rows };
}

/** The committed hero figure as a `data:` URL for an `<img>`, or null when it is missing. */
export function heroDataUrl(file: string = HERO_FILE): string | null {
  if (!fs.existsSync(file)) return null;
  return `data:image/png;base64,${fs.readFileSync(file).toString("base64")}`;
}
