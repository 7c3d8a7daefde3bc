/**
 * Display helpers for the Deno Jupyter kernel (`deno jupyter`).
 *
 * - {@link display}: show an SVG, PNG, GIF, HTML and/or text as a new cell output.
 * - {@link LiveDisplay}: one output that is replaced in place (e.g. a loss plot redrawn every
 *   epoch while a training cell runs).
 * - {@link isNotebook}: whether the code runs inside the kernel.
 *
 * They call `Deno.jupyter.display(bundle, { raw: true, display_id, update })`: with `raw` the
 * bundle is sent as is, as a `display_data` message, or `update_display_data` when `update` is
 * true, with `transient.display_id`. PNG bytes go base64-encoded under `image/png`, SVG text
 * under `image/svg+xml`. Outside the kernel (`deno run`, `deno test`) `Deno.jupyter` is a
 * getter that throws, so every call here is a no-op there, unless a `dir` option asks for the
 * content to be written to files instead.
 *
 * Typing: `Deno.jupyter` is reached through a local interface ({@link JupyterApi}), so this
 * module type-checks whether or not the installed Deno's default types declare it, and with no
 * `--unstable` flag.
 *
 * Await the calls at the end of a cell: a display sent after the cell has finished may be
 * missed by batch runners such as nbconvert.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What to show; any combination (the frontend picks the richest type it can render). */
export interface DisplayContent {
  /** SVG markup (sent as `image/svg+xml`). */
  svg?: string;
  /** PNG bytes (sent base64-encoded as `image/png`). */
  png?: Uint8Array;
  /** Plain text (`text/plain`); a short placeholder is used when absent. */
  text?: string;
  /** HTML markup (`text/html`). */
  html?: string;
  /**
   * GIF bytes (an animation), sent as an `<img>` with a base64 data URL inside `text/html`
   * (after `html` when both are given): nbconvert's HTML export has no `image/gif` output type.
   */
  gif?: Uint8Array;
  /** The GIF's alternative text. Default "animation". */
  gifAlt?: string;
}

/** Options for {@link display} and {@link LiveDisplay}. */
export interface DisplayOptions {
  /**
   * Outside a notebook, write each display to files in this directory (created if needed):
   * `<name>.svg`, `<name>.png`, `<name>.gif`, `<name>.html`, `<name>.txt`. Ignored inside a
   * notebook.
   */
  dir?: string;
  /** Base file name for `dir`. Default: `display-<n>` for {@link display}, the id for {@link LiveDisplay}. */
  name?: string;
  /**
   * The kernel API to send to. Default: `Deno.jupyter` when running in the kernel (see
   * {@link jupyterApi}). Tests pass a recording fake here.
   */
  kernel?: JupyterApi;
}

/** A Jupyter MIME bundle (MIME type to payload). */
export type MediaBundle = Record<string, string>;

/** The part of the `Deno.jupyter` namespace this module uses. */
export interface JupyterApi {
  /** Sends a display_data (or update_display_data) message on IOPub. */
  display(
    obj: unknown,
    options?: { raw?: boolean; update?: boolean; display_id?: string },
  ): Promise<void>;
}

/** `Deno.jupyter` when running in the Deno kernel, else undefined (never throws). */
export function jupyterApi(): JupyterApi | undefined {
  try {
    const deno = (globalThis as { Deno?: unknown }).Deno as { jupyter?: unknown } | undefined;
    const api = deno?.jupyter as Partial<JupyterApi> | undefined;
    return typeof api?.display === "function" ? api as JupyterApi : undefined;
  } catch {
    // Outside `deno jupyter`, Deno.jupyter is a getter that throws.
    return undefined;
  }
}

/** True inside the Deno Jupyter kernel (`Deno.jupyter` is available). */
export function isNotebook(): boolean {
  return jupyterApi() !== undefined;
}

/** Builds the MIME bundle for `content` (pure; exported for tests and custom use). */
export function mediaBundle(content: DisplayContent): MediaBundle {
  const bundle: MediaBundle = {};
  if (content.svg !== undefined) bundle["image/svg+xml"] = content.svg;
  if (content.png !== undefined) bundle["image/png"] = Buffer.from(content.png).toString("base64");
  const gifImg = content.gif === undefined
    ? undefined
    : `<img alt="${
      (content.gifAlt ?? "animation").replace(/[&"<]/g, (c) => `&#${c.charCodeAt(0)};`)
    }" src="data:image/gif;base64,${Buffer.from(content.gif).toString("base64")}">`;
  if (content.html !== undefined || gifImg !== undefined) {
    bundle["text/html"] = (content.html ?? "") + (gifImg ?? "");
  }
  bundle["text/plain"] = content.text ??
    (content.svg !== undefined
      ? "<SVG figure>"
      : content.png !== undefined
      ? "<PNG image>"
      : content.gif !== undefined
      ? "<GIF animation>"
      : content.html !== undefined
      ? "<HTML>"
      : "");
  return bundle;
}

let fileCounter = 0;

function writeFiles(dir: string, name: string, content: DisplayContent): void {
  mkdirSync(dir, { recursive: true });
  if (content.svg !== undefined) writeFileSync(join(dir, `${name}.svg`), content.svg);
  if (content.png !== undefined) writeFileSync(join(dir, `${name}.png`), content.png);
  if (content.html !== undefined) writeFileSync(join(dir, `${name}.html`), content.html);
  if (content.text !== undefined) writeFileSync(join(dir, `${name}.txt`), content.text);
  if (content.gif !== undefined) writeFileSync(join(dir, `${name}.gif`), content.gif);
}

/**
 * Shows `content` as a new output of the running cell. Outside a notebook: nothing, or files
 * in `options.dir` when given.
 */
export async function display(
  content: DisplayContent,
  options: DisplayOptions = {},
): Promise<void> {
  const api = options.kernel ?? jupyterApi();
  if (api) {
    await api.display(mediaBundle(content), { raw: true });
  } else if (options.dir !== undefined) {
    fileCounter += 1;
    writeFiles(
      options.dir,
      options.name ?? `display-${String(fileCounter).padStart(3, "0")}`,
      content,
    );
  }
}

/**
 * One output that is replaced in place on every {@link LiveDisplay.update}: the first update
 * creates it (display_data with a display_id), later ones replace it (update_display_data).
 * Outside a notebook, updates do nothing, or overwrite `<dir>/<name or id>.*` when `dir` is
 * given.
 */
export class LiveDisplay {
  /** The Jupyter display_id of this output. */
  readonly id: string;
  #shown = false;
  #options: DisplayOptions;

  /** `id` defaults to a random `live-<uuid>`; reuse an id to update an output from another cell. */
  constructor(id?: string, options: DisplayOptions = {}) {
    this.id = id ?? `live-${crypto.randomUUID()}`;
    this.#options = options;
  }

  /** Whether the output has been created (a first update was sent to the kernel). */
  get shown(): boolean {
    return this.#shown;
  }

  /** Shows `content`, replacing what this display showed before. */
  async update(content: DisplayContent): Promise<void> {
    const api = this.#options.kernel ?? jupyterApi();
    if (api) {
      const update = this.#shown;
      this.#shown = true; // set before awaiting, so overlapping calls update rather than add
      await api.display(mediaBundle(content), { raw: true, display_id: this.id, update });
    } else if (this.#options.dir !== undefined) {
      writeFiles(this.#options.dir, this.#options.name ?? this.id, content);
    }
  }
}
