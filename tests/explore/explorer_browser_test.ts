/**
 * The explorer as its user meets it: the server started, the page opened in headless Chromium,
 * the generator drawing in the browser, sliders and the class picker moved, raw requests that
 * try to leave the served routes.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { decode } from "fast-png";
import type { Page } from "playwright-core";
import * as tf from "@tensorflow/tfjs";
import {
  DEBIAN_DIR,
  decodeNpy,
  DEFAULT_JUDGE_FILE,
  defaultModelConfig,
  defaultTranslatorConfig,
  type Explorer,
  FILES,
  Generator,
  initBackend,
  isStyleNetwork,
  loadFashionMnist,
  loadJudge,
  openPretrained,
  OptionError,
  PRETRAINED_DIR,
  Rng,
  startExplorer,
  Translator,
} from "../../lib/mod.ts";
import { haveChromium, launchChromium } from "../_support/chromium.ts";

await initBackend({ backend: "wasm" });
const root = path.resolve(import.meta.dirname!, "../..");
const shipped = (name: string) => fs.existsSync(path.join(PRETRAINED_DIR, name, "model.json"));
const ready = haveChromium && fs.existsSync(DEFAULT_JUDGE_FILE) && shipped("mlp") &&
  fs.existsSync(path.join(DEBIAN_DIR, `${FILES.trainImages.name}.gz`));
/** What a skipped test says it lacks. */
const lacking = ready
  ? ""
  : haveChromium
  ? " (skipped: needs the shipped models, the judge and Fashion-MNIST)"
  : " (skipped: no /usr/bin/chromium; apt-get install chromium)";

/** Starts the explorer on a free loopback port for the shipped model `name`. */
async function explorerFor(name: string): Promise<{ explorer: Explorer; close(): Promise<void> }> {
  const data = await loadFashionMnist({ download: false });
  const { judge } = await loadJudge(DEFAULT_JUDGE_FILE);
  const { run, manifest } = openPretrained(name);
  const generator = run.loadGenerator();
  const explorer = await startExplorer({
    generator,
    label: manifest.label,
    source: manifest.name,
    judge,
    data,
    port: 0,
  });
  return {
    explorer,
    async close() {
      await explorer.close();
      generator.dispose();
      judge.dispose();
    },
  };
}

/** Opens the page and waits for its first image; `errors` collects what the console reports. */
async function openPage(page: Page, url: string, errors: string[]): Promise<void> {
  page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
  page.on("pageerror", (e) => void errors.push(e.message));
  await page.goto(url, { waitUntil: "load" });
  await page.evaluate(() =>
    (globalThis as unknown as { explorer: { ready: Promise<void> } }).explorer.ready
  );
}

/** Calls `explorer[fn](...args)` in the page and returns what it resolves to. */
const call = <T>(page: Page, fn: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(
    ([f, a]) =>
      // deno-lint-ignore no-explicit-any
      (globalThis as any).explorer[f as string](...(a as unknown[])),
    [fn, args] as const,
  );

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

Deno.test({
  name:
    "the explorer draws in the browser, its sliders move the image, and it matches deno task sample" +
    lacking,
  ignore: !ready,
  async fn() {
    const { explorer, close } = await explorerFor("mlp");
    const browser = await launchChromium();
    try {
      assert.match(explorer.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, "loopback by default");
      const page = await browser.newPage();
      const errors: string[] = [];
      await openPage(page, explorer.url, errors);
      assert.ok(["webgl", "wasm", "cpu"].includes(await call<string>(page, "backend")));

      // the canvases are drawn: not one flat colour (the strip in both interpolation modes)
      const greys = async (id: string) => {
        const shot = decode(await page.locator(id).screenshot());
        const seen = new Set<number>();
        for (let i = 0; i < shot.data.length; i += shot.channels) seen.add(Number(shot.data[i]));
        return seen.size;
      };
      assert.ok(await greys("#main") > 10, "the main canvas is drawn");
      assert.ok(await greys("#strip") > 10, "the linear interpolation strip is drawn");
      await page.locator("#interp-mode").selectOption("spherical");
      assert.ok(await greys("#strip") > 10, "the spherical interpolation strip is drawn");

      // moving dimension 4's slider changes the pixels
      await page.locator("#dim-4").fill("-2.5");
      const low = await call<number[]>(page, "pixels");
      await page.locator("#dim-4").fill("2.5");
      const high = await call<number[]>(page, "pixels");
      assert.ok(maxDiff(low, high) > 0.05, `dim 4 moved pixels by at most ${maxDiff(low, high)}`);

      // the same z gives the same pixels as `deno task sample --seed`
      await call(page, "setSeed", 3);
      const inPage = await call<number[]>(page, "pixels");
      const npy = path.join(fs.mkdtempSync("/tmp/explore-"), "s.npy");
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", path.join(root, "lib/cli/sample.ts"), "--pretrained", "mlp"]
          .concat(["--seed", "3", "--n", "1", "--out", npy]),
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
      const sampled = decodeNpy(fs.readFileSync(npy), npy).data;
      assert.ok(
        maxDiff(inPage, sampled) < 0.02,
        `page and sample differ by ${maxDiff(inPage, sampled)}`,
      );

      // the judge reads the page's image, and a class edit is offered for this unconditional model
      const reading = await call<{ className: string; probability: number }>(page, "judge");
      assert.ok(reading.probability > 0 && reading.className.length > 0);
      assert.equal(await page.locator("#edit-row").isVisible(), true);
      assert.equal(await page.locator("#class-row").isVisible(), false);
      assert.deepEqual(errors, [], "no console errors");
    } finally {
      await browser.close();
      await close();
    }
  },
});

Deno.test({
  name: "the explorer's class picker changes the class the judge reads" +
    (shipped("cdcgan") ? lacking : " (skipped: no shipped cdcgan)"),
  ignore: !ready || !shipped("cdcgan"),
  async fn() {
    const { explorer, close } = await explorerFor("cdcgan");
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      await openPage(page, explorer.url, errors);
      assert.equal(await page.locator("#class-row").isVisible(), true);
      const read: number[] = [];
      const strip = async () => (await page.locator("#strip").screenshot()).join(",");
      const stripBefore = await strip();
      for (const c of [1, 5, 7, 8]) { // trouser, sandal, sneaker, bag
        await page.locator("#class").selectOption(String(c));
        read.push((await call<{ classIndex: number }>(page, "judge")).classIndex);
      }
      // the interpolation strip follows the picker too (it redraws without a signal: poll)
      let stripChanged = false;
      for (let i = 0; i < 50 && !stripChanged; i++) {
        stripChanged = await strip() !== stripBefore;
        if (!stripChanged) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(stripChanged, "the interpolation strip redraws for the picked class");
      assert.ok(new Set(read).size >= 3, `the judge read ${read} for classes 1, 5, 7, 8`);
      assert.ok(read.filter((r, i) => r === [1, 5, 7, 8][i]).length >= 3, `read ${read}`);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await close();
    }
  },
});

Deno.test({
  name: "a StyleGAN in the explorer truncates towards w_avg and mixes styles with a second seed, " +
    "its mixing strip drawn on load" +
    lacking,
  ignore: !ready,
  async fn() {
    // an untrained narrow StyleGAN with its noise and w_avg moved off zero: every input shows
    const generator = Generator.create({ ...defaultModelConfig("stylegan"), ngf: 8 }, 0);
    const net = generator.drawing;
    assert.ok(isStyleNetwork(net));
    net.wAvg.assign(
      net.mapping(tf.randomNormal([1, 128], 0, 1, "float32", 1), { training: false }).reshape([
        128,
      ]),
    );
    const data = await loadFashionMnist({ download: false });
    const { judge } = await loadJudge(DEFAULT_JUDGE_FILE);
    const explorer = await startExplorer({
      generator,
      label: "StyleGAN (untrained)",
      source: "test",
      judge,
      data,
      port: 0,
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      await openPage(page, explorer.url, errors);
      assert.equal(await page.locator("#style-row").isVisible(), true);
      // the mixing strip is drawn on load (four 28x28 images at 4x), not left empty
      assert.equal(
        await page.evaluate<number>(`document.getElementById("mix").width`),
        4 * 28 * 4,
      );
      const at = async (seed: number, psi: number) => {
        await call(page, "setSeed", seed);
        await call(page, "setPsi", psi);
        return await call<number[]>(page, "pixels");
      };
      // psi 0 draws w_avg whatever the seed; psi 1 draws each seed's own image
      assert.ok(maxDiff(await at(1, 0), await at(2, 0)) < 1e-5, "psi 0: one image");
      const [one, two] = [await at(1, 1), await at(2, 1)];
      assert.ok(maxDiff(one, two) > 1e-3, "psi 1: two images");
      // the page draws what the library draws
      const z = new Rng(2).fillNormal(new Float32Array(128));
      assert.ok(maxDiff(two, await generator.fromLatents(z)) < 0.02);
      // mixing seed 2's coarse styles with seed 5's fine ones is neither image
      const mixed = await call<number[]>(page, "mix", 5, 14);
      assert.ok(maxDiff(mixed, two) > 1e-3 && maxDiff(mixed, await at(5, 1)) > 1e-3);
      const shot = decode(await page.locator("#mix").screenshot());
      assert.ok(shot.width >= 4 * 28 * 4, "the mixing strip shows four images");
      assert.deepEqual(errors, [], "no console errors");
    } finally {
      await browser.close();
      await explorer.close();
      generator.dispose();
      judge.dispose();
    }
  },
});

Deno.test({
  name: "a CycleGAN pair served beside the generator translates test images in the browser as " +
    "the library does" + lacking,
  ignore: !ready,
  async fn() {
    const generator = Generator.create({ ...defaultModelConfig("dcgan"), ngf: 8 }, 0);
    const translator = Translator.create({ ...defaultTranslatorConfig(), ngf: 4, ndf: 4 }, 7, 9);
    const data = await loadFashionMnist({ download: false });
    const { judge } = await loadJudge(DEFAULT_JUDGE_FILE);
    const explorer = await startExplorer({
      generator,
      label: "DCGAN (untrained)",
      source: "test",
      judge,
      data,
      port: 0,
      translator: { translator, label: "sneaker <-> ankle boot (untrained)" },
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      await openPage(page, explorer.url, errors);
      assert.equal(await page.locator("#pair-row").isVisible(), true);
      assert.match(
        await page.locator("#pair-caption").textContent() ?? "",
        /Sneaker -> Ankle boot -> Sneaker/,
      );
      // the first test sneaker, translated in the page and here
      const inPage = await page.evaluate(() =>
        // deno-lint-ignore no-explicit-any
        (globalThis as any).explorer.pair().translateTest(0)
      ) as { out: number[]; back: number[] };
      let first = -1;
      for (let i = 0; i < data.test.count && first < 0; i++) {
        if (data.test.labels[i] === 7) first = i;
      }
      const sneaker = Float32Array.from(
        data.test.images.subarray(first * 784, (first + 1) * 784),
        (v) => v / 255,
      );
      const here = await translator.translate(sneaker, "AB");
      assert.equal(inPage.out.length, 784);
      assert.ok(
        maxDiff(inPage.out, here) < 0.02,
        `page and library differ by ${maxDiff(inPage.out, here)}`,
      );
      assert.ok(maxDiff(inPage.back, await translator.translate(here, "BA")) < 0.02);
      const shot = decode(await page.locator("#pair").screenshot());
      assert.ok(shot.width >= 3 * 28 * 4, "input, translation and way back");
      assert.deepEqual(errors, [], "no console errors");
    } finally {
      await browser.close();
      await explorer.close();
      generator.dispose();
      translator.dispose();
      judge.dispose();
    }
  },
});

/** A raw HTTP/1.1 request for `target` exactly as written (no client normalises it). */
async function rawGet(port: number, target: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      ),
    );
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (let n; (n = await conn.read(buf)) !== null;) chunks.push(buf.slice(0, n));
    return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  } finally {
    conn.close();
  }
}

Deno.test({
  name: "the explorer refuses paths outside what it serves, and a busy port is named" + lacking,
  ignore: !ready,
  async fn() {
    const { explorer, close } = await explorerFor("mlp");
    try {
      const port = Number(new URL(explorer.url).port);
      for (
        const target of [
          "/../deno.json",
          "/tfjs-wasm/../../deno.json",
          "//etc/passwd",
          "/etc/passwd",
          "/lib/mod.ts",
        ]
      ) {
        const answer = await rawGet(port, target);
        assert.match(answer, /^HTTP\/1\.1 (400|404)/, `${target}: ${answer.split("\r\n")[0]}`);
        assert.ok(!answer.includes('"tasks"') && !answer.includes("root:"), target);
      }
      assert.match(await rawGet(port, "/tfjs-wasm/tfjs-backend-wasm-simd.wasm"), /^HTTP\/1\.1 200/);
      const err = await startExplorer({
        generator: openPretrained("mlp").run.loadGenerator(),
        label: "x",
        source: "x",
        judge: (await loadJudge(DEFAULT_JUDGE_FILE)).judge,
        data: await loadFashionMnist({ download: false }),
        port,
      }).then(() => null, (e) => e);
      assert.ok(err instanceof OptionError, String(err));
      assert.match(err.message, new RegExp(`port ${port} is in use on 127\\.0\\.0\\.1`));
    } finally {
      await close();
    }
  },
});

Deno.test({
  name: "deno task explore names an unknown model and a run without a checkpoint",
  async fn() {
    const run = async (...args: string[]) => {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", path.join(root, "lib/cli/explore.ts"), ...args],
        env: { NO_COLOR: "1", GAN_BACKEND: "cpu" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: r.code, err: new TextDecoder().decode(r.stderr) };
    };
    let r = await run("--pretrained", "nope");
    assert.equal(r.code, 1);
    assert.match(r.err, /no --pretrained model 'nope' in .*: expected one of/);
    r = await run("--run", "/tmp");
    assert.equal(r.code, 1);
    assert.match(r.err, /\/tmp: no checkpoint/);
    r = await run();
    assert.equal(r.code, 2);
    assert.match(r.err, /give exactly one of --run DIR or --pretrained NAME/);
  },
});
