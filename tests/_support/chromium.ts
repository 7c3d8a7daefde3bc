/**
 * Headless Chromium for tests that look at pages as a reader does: Debian's `chromium` driven
 * by `playwright-core` (the npm package carries no browser; `executablePath` points it at the
 * system one). The flags keep a machine without network from stalling on refused connections;
 * Playwright gives every launch a fresh, empty profile directory.
 *
 * @module
 */
import * as fs from "node:fs";
import { decode } from "fast-png";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether {@link CHROMIUM} exists (tests that need it are ignored, and say so, otherwise). */
export const haveChromium: boolean = fs.existsSync(CHROMIUM);

/** Launches headless Chromium with the flags this machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** What a reader sees of one figure of a page. */
export interface FigureCheck {
  /** The output's type (`image/svg+xml`, `image/png`, or `text/html` for an `<img>` in HTML). */
  mime: string;
  /** What the figure is, for messages: its `src` prefix, or "no <img>". */
  what: string;
  /** Whether the image loaded (`complete` with a natural width). */
  loaded: boolean;
  /** Its size on the page, CSS pixels. */
  width: number;
  height: number;
  /** Distinct colours in its screenshot. */
  colours: number;
  /** Share of its screenshot's pixels that differ from the most common colour. */
  inked: number;
}

/**
 * Every figure of the page at `url`: each image output area of a notebook page
 * (`image/svg+xml`, `image/png`) and each `<img>` inside an HTML output (the GIFs), measured
 * from an element screenshot.
 */
export async function checkFigures(page: Page, url: string): Promise<FigureCheck[]> {
  await page.goto(url, { waitUntil: "load" });
  // nbconvert's lab template: SVG in .jp-RenderedSVG, PNG in .jp-RenderedImage (no mime
  // attribute), HTML outputs (the GIFs) in [data-mime-type="text/html"]
  const areas = page.locator(
    ".jp-OutputArea-output.jp-RenderedSVG, .jp-OutputArea-output.jp-RenderedImage, " +
      '.jp-OutputArea-output[data-mime-type="text/html"] img',
  );
  const checks: FigureCheck[] = [];
  for (const area of await areas.all()) {
    await area.scrollIntoViewIfNeeded();
    const info = await area.evaluate((el) => {
      const img = (el.tagName === "IMG" ? el : el.querySelector("img")) as unknown as
        | { src: string; complete: boolean; naturalWidth: number }
        | null;
      const mime = el.classList.contains("jp-RenderedImage")
        ? "image/png"
        : el.getAttribute("data-mime-type") ??
          el.closest("[data-mime-type]")?.getAttribute("data-mime-type") ?? "?";
      return {
        mime,
        what: img ? img.src.slice(0, 30) : "no <img>",
        loaded: img !== null && img.complete && img.naturalWidth > 0,
      };
    });
    const target = info.what === "no <img>" ? area : area.locator("xpath=self::img|.//img").first();
    const box = await target.boundingBox();
    let colours = 0, inked = 0;
    if (box && box.width > 0 && box.height > 0) {
      const shot = decode(await target.screenshot());
      const channels = shot.channels;
      const counts = new Map<number, number>();
      for (let i = 0; i < shot.data.length; i += channels) {
        let key = 0;
        for (let c = 0; c < Math.min(channels, 3); c++) key = key * 256 + Number(shot.data[i + c]);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const pixels = shot.width * shot.height;
      colours = counts.size;
      inked = 1 - Math.max(...counts.values()) / pixels;
    }
    checks.push({ ...info, width: box?.width ?? 0, height: box?.height ?? 0, colours, inked });
  }
  return checks;
}

/**
 * Problems of the figures, one message each: not loaded, no size, or one flat colour (fewer
 * than 0.1% of the pixels differ from the most common one).
 */
export function figureProblems(page: string, checks: readonly FigureCheck[]): string[] {
  return checks.flatMap((c, i) => {
    const where = `${page}, figure ${i + 1} (${c.mime}, ${c.what})`;
    if (!c.loaded) return [`${where}: the image did not load`];
    if (!(c.width > 0 && c.height > 0)) return [`${where}: drawn ${c.width}x${c.height}`];
    if (c.colours < 2 || c.inked < 0.001) {
      return [
        `${where}: one flat colour (${c.colours} colours, ${(100 * c.inked).toFixed(3)}% inked)`,
      ];
    }
    return [];
  });
}
