/**
 * The explorer's local web server: one page (`page.html`) whose script (`client.ts`, bundled for
 * the browser with `deno bundle` on first start) runs the generator in the browser. The server
 * sends the weights and answers what needs the judge or the dataset. It serves a fixed list of
 * routes and nothing else (no file path ever comes from a request), and binds to loopback unless
 * told otherwise.
 *
 * | route | answer |
 * | --- | --- |
 * | `GET /` | the page |
 * | `GET /explorer.js` | the bundled page script |
 * | `GET /tfjs-wasm/<file>.wasm` | TensorFlow.js's wasm binaries, from the installed package |
 * | `GET /api/model` | {@link ModelInfo} |
 * | `GET /api/generator` | the generator's weights (checkpoint format, float32) |
 * | `GET /api/test-images` | 20 test images (two per class) with their nearest training image |
 * | `GET /api/directions` | per class, the mean latent of confidently judged samples |
 * | `GET /api/translator` | a CycleGAN pair's weights, when one is served beside the generator |
 * | `GET /api/pair-images` | 8 test images of each of the pair's classes ({@link PairImages}) |
 * | `POST /api/judge` | the judge's reading of `{ pixels: number[784] }` in [0, 1] |
 *
 * @module
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Buffer } from "node:buffer";
import { wasmDistDir } from "../backend/init_backend.ts";
import type { FashionMnist } from "../data/fashion_mnist.ts";
import { argMax, type Judge } from "../eval/classifier.ts";
import { sha256Hex } from "../io/checkpoint.ts";
import type { Generator } from "../models/generator.ts";
import type { Translator } from "../models/translator.ts";
import { OptionError } from "../option_error.ts";
import {
  type DirectionsInfo,
  FIG_45_DIMS,
  type JudgeReading,
  type ModelInfo,
  type PairImages,
  type TestImage,
} from "./api.ts";
import { classLatents } from "./class_directions.ts";
import { nearestImage } from "./projection.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");

/** Where the bundled page script is kept between starts. */
export const BUNDLE_FILE: string = path.join(ROOT, ".cache", "explore", "explorer.js");

/** The wasm binaries the page may ask for. */
const WASM_FILES = [
  "tfjs-backend-wasm.wasm",
  "tfjs-backend-wasm-simd.wasm",
  "tfjs-backend-wasm-threaded-simd.wasm",
];

/** The newest modification time of the `.ts` files under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Bundles `client.ts` (and the library code it runs, TensorFlow.js included) for the browser
 * into `file` with `deno bundle`, unless the bundle there is newer than every library source.
 * Returns the bundle's path.
 *
 * @throws with `deno bundle`'s output when bundling fails.
 */
export async function bundleClient(file: string = BUNDLE_FILE): Promise<string> {
  if (fs.existsSync(file) && fs.statSync(file).mtimeMs > newestSource(path.join(ROOT, "lib"))) {
    return file;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${Deno.pid}.tmp.js`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "browser", "--minify", "-o", tmp, path.join(HERE, "client.ts")],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0 || !fs.existsSync(tmp)) {
    fs.rmSync(tmp, { force: true });
    throw new Error(
      `deno bundle failed on lib/explore/client.ts:\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
  fs.renameSync(tmp, file);
  return file;
}

/** What the explorer serves. */
export interface ExplorerOptions {
  /** The generator the page draws with (the server keeps it; the caller disposes it after). */
  generator: Generator;
  /** What it is, e.g. `DCGAN (A.2)`. */
  label: string;
  /** Where it came from, shown on the page. */
  source: string;
  /** The judge, for readings and class directions. */
  judge: Judge;
  /** The dataset: test images to project, training images to compare them with. */
  data: FashionMnist;
  /** Interface to listen on. Default `127.0.0.1` (loopback only). */
  hostname?: string;
  /** Port. Default 8765; 0 picks a free one. */
  port?: number;
  /** The page script's bundle. Default: {@link bundleClient}'s. */
  bundle?: string;
  /** A CycleGAN pair to translate with too (the caller disposes it after), and its label. */
  translator?: { translator: Translator; label: string };
}

/** A running explorer. */
export interface Explorer {
  /** The page's address. */
  url: string;
  /** Stops serving. */
  close(): Promise<void>;
}

const json = (value: unknown) =>
  new Response(JSON.stringify(value), { headers: { "content-type": "application/json" } });
const notFound = () => new Response("not found", { status: 404 });

/**
 * Starts the explorer's server (bundling the page script first when needed).
 *
 * @throws {OptionError} naming `port` when the port is taken.
 */
export async function startExplorer(options: ExplorerOptions): Promise<Explorer> {
  const { generator, judge, data } = options;
  const bundle = options.bundle ?? await bundleClient();
  const page = fs.readFileSync(path.join(HERE, "page.html"));
  const weights = Buffer.concat(await generator.encode(sha256Hex));
  const info: ModelInfo = {
    label: options.label,
    source: options.source,
    config: generator.config,
    step: generator.step,
    classNames: data.classNames,
    sliderDims: [...FIG_45_DIMS],
    directions: !generator.conditional,
    translator: options.translator
      ? {
        label: options.translator.label,
        from: options.translator.translator.meta.from,
        to: options.translator.translator.meta.to,
      }
      : null,
  };
  const pair = options.translator?.translator;
  const pairWeights = pair && Buffer.concat(await pair.encode(sha256Hex));
  const pairImages = (): PairImages | undefined => {
    if (!pair) return undefined;
    const of = (c: number) => {
      const out: { index: number; pixels: string }[] = [];
      for (let i = 0; i < data.test.count && out.length < 8; i++) {
        if (data.test.labels[i] !== c) continue;
        const bytes = data.test.images.subarray(i * 784, (i + 1) * 784);
        out.push({ index: i, pixels: Buffer.from(bytes).toString("base64") });
      }
      return out;
    };
    return { a: of(pair.meta.from), b: of(pair.meta.to) };
  };
  let tests: TestImage[] | undefined;
  const testImages = () =>
    tests ??= data.classNames.flatMap((_, c) => {
      const picks: number[] = [];
      for (let i = 0; i < data.test.count && picks.length < 2; i++) {
        if (data.test.labels[i] === c) picks.push(i);
      }
      return picks.map((index) => {
        const bytes = data.test.images.subarray(index * 784, (index + 1) * 784);
        const nearest = nearestImage(
          Float32Array.from(bytes, (v) => v / 255),
          data.train.images,
          data.train.count,
        );
        return {
          index,
          label: c,
          pixels: Buffer.from(bytes).toString("base64"),
          nearestMse: nearest.mse,
          nearestIndex: nearest.index,
        };
      });
    });
  let directions: Promise<DirectionsInfo> | undefined;
  const classDirections = () =>
    directions ??= classLatents(generator, judge, { samples: 5000 }).then((latents) => ({
      means: latents.means.map((m) => Array.from(m)),
      counts: latents.counts,
    }));
  const readJudge = async (req: Request): Promise<Response> => {
    const body = await req.json().catch(() => null) as { pixels?: unknown } | null;
    const pixels = body?.pixels;
    if (
      !Array.isArray(pixels) || pixels.length !== 784 || !pixels.every((v) => typeof v === "number")
    ) {
      return new Response('expected {"pixels": [784 numbers in 0..1]}', { status: 400 });
    }
    const { probs } = await judge.outputs(Float32Array.from(pixels));
    const classIndex = argMax(probs, 0, 10);
    const reading: JudgeReading = {
      classIndex,
      className: data.classNames[classIndex],
      probability: probs[classIndex],
    };
    return json(reading);
  };

  const handler = (req: Request): Response | Promise<Response> => {
    const { pathname } = new URL(req.url);
    if (req.method === "POST") return pathname === "/api/judge" ? readJudge(req) : notFound();
    if (req.method !== "GET") return new Response("method not allowed", { status: 405 });
    switch (pathname) {
      case "/":
        return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
      case "/favicon.ico":
        return new Response(null, { status: 204 });
      case "/explorer.js":
        return new Response(fs.readFileSync(bundle), {
          headers: { "content-type": "text/javascript; charset=utf-8" },
        });
      case "/api/model":
        return json(info);
      case "/api/generator":
        return new Response(weights, { headers: { "content-type": "application/octet-stream" } });
      case "/api/test-images":
        return json(testImages());
      case "/api/directions":
        return generator.conditional ? notFound() : classDirections().then(json);
      case "/api/translator":
        return pairWeights
          ? new Response(pairWeights, { headers: { "content-type": "application/octet-stream" } })
          : notFound();
      case "/api/pair-images":
        return pair ? json(pairImages()) : notFound();
    }
    const wasm = /^\/tfjs-wasm\/([\w.-]+)$/.exec(pathname)?.[1];
    if (wasm && WASM_FILES.includes(wasm)) {
      return new Response(fs.readFileSync(path.join(wasmDistDir(), wasm)), {
        headers: { "content-type": "application/wasm" },
      });
    }
    return notFound();
  };

  const hostname = options.hostname ?? "127.0.0.1";
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname, port: options.port ?? 8765, onListen: () => {} }, handler);
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      throw new OptionError(
        `{port} ${options.port ?? 8765} is in use on ${hostname}; choose another`,
      );
    }
    throw err;
  }
  const addr = server.addr;
  const shown = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return { url: `http://${shown}:${addr.port}/`, close: () => server.shutdown() };
}
