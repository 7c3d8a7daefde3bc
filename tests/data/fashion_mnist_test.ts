import assert from "node:assert/strict";
import { rejection } from "../_support/errors.ts";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  checkNamedDataDirs,
  CLASS_NAMES,
  DEBIAN_DIR,
  encodeIdx,
  FILES,
  loadFashionMnist,
  locateDataset,
  OptionError,
  searchLocations,
} from "../../lib/mod.ts";
import { tinyPixel, writeTinyDataset } from "../_support/tiny_dataset.ts";

const offline = { searchPath: [], download: false as const, verifyChecksums: false };

Deno.test("a tiny plain IDX dataset loads into typed arrays", async () => {
  const dir = writeTinyDataset({ trainCount: 20, testCount: 10 });
  const ds = await loadFashionMnist({ dataDir: dir, ...offline });
  assert.deepEqual(ds.train.count, 20);
  assert.deepEqual(ds.test.count, 10);
  assert.deepEqual(ds.train.images.length, 20 * 784);
  assert.deepEqual(ds.train.images[3 * 784 + 5], tinyPixel(3, 5));
  assert.deepEqual([...ds.test.labels], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(ds.classNames, [...CLASS_NAMES]);
  assert.deepEqual(ds.source, dir);
});

Deno.test("gzip-compressed files load the same as plain ones", async () => {
  const plain = await loadFashionMnist({ dataDir: writeTinyDataset(), ...offline });
  const gz = await loadFashionMnist({ dataDir: writeTinyDataset({ gzip: true }), ...offline });
  assert.deepEqual(gz.train.images, plain.train.images);
  assert.deepEqual(gz.test.labels, plain.test.labels);
});

Deno.test("the search order is dataDir, then the search path in its order", () => {
  const a = writeTinyDataset(), b = writeTinyDataset();
  const empty = fs.mkdtempSync("/tmp/empty-");
  const locs = searchLocations({
    dataDir: empty,
    searchPath: [{ dir: a, origin: "FASHION_MNIST_DIR" }, { dir: b, origin: "project cache" }],
  });
  assert.deepEqual(locs.map((l) => l.origin), [
    "dataDir option",
    "FASHION_MNIST_DIR",
    "project cache",
  ]);
  assert.deepEqual(locateDataset(locs)?.dir, a, "the first directory holding all four files wins");
});

Deno.test("the default search path ends with FASHION_MNIST_DIR, the cache and Debian's directory", () => {
  const before = Deno.env.get("FASHION_MNIST_DIR");
  Deno.env.set("FASHION_MNIST_DIR", "/some/where");
  try {
    const locs = searchLocations({ dataDir: "/explicit" });
    assert.deepEqual(locs.map((l) => l.dir)[0], "/explicit");
    assert.deepEqual(locs.map((l) => l.dir)[1], "/some/where");
    assert.deepEqual(locs.at(-1)?.dir, DEBIAN_DIR);
    assert.deepEqual(locs.at(-2)?.origin, "project cache");
  } finally {
    if (before === undefined) Deno.env.delete("FASHION_MNIST_DIR");
    else Deno.env.set("FASHION_MNIST_DIR", before);
  }
});

Deno.test("a directory missing one file is passed over", () => {
  const dir = writeTinyDataset();
  fs.rmSync(path.join(dir, FILES.testLabels.name));
  assert.deepEqual(locateDataset([{ dir, origin: "x" }]), undefined);
});

Deno.test("no data anywhere and no download names every place looked and how to get the files", async () => {
  const empty = fs.mkdtempSync("/tmp/empty-");
  const err = await rejection(() =>
    loadFashionMnist({
      searchPath: [{ dir: empty, origin: "project cache" }, { dir: "/nope", origin: "Debian" }],
      download: false,
    })
  );
  const msg = (err as Error).message;
  assert.match(msg, /Fashion-MNIST not found/);
  assert.match(msg, new RegExp(`${empty} \\(project cache\\)`));
  assert.match(msg, /\/nope \(Debian\)/);
  assert.match(msg, /apt-get install dataset-fashion-mnist/);
  assert.match(msg, /FASHION_MNIST_DIR/);
});

Deno.test("a named directory without the files is an error naming it and the files, never passed over", async () => {
  const empty = fs.mkdtempSync("/tmp/empty-");
  const elsewhere = [{ dir: writeTinyDataset(), origin: "project cache" }];
  const err = await rejection(() =>
    loadFashionMnist({ dataDir: empty, searchPath: elsewhere, download: false })
  );
  assert.ok(err instanceof OptionError);
  assert.equal(
    err.message,
    `dataDir: '${empty}' holds none of the four Fashion-MNIST files (train-images-idx3-ubyte, ` +
      "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, plain or .gz)",
  );
  const partial = writeTinyDataset();
  fs.rmSync(path.join(partial, FILES.testLabels.name));
  assert.throws(
    () => checkNamedDataDirs({ dataDir: partial }),
    new RegExp(`dataDir: '${partial}' lacks t10k-labels-idx1-ubyte \\(plain or \\.gz\\)`),
  );
  assert.throws(
    () => checkNamedDataDirs({ dataDir: "/no/such/dir" }),
    /dataDir: '\/no\/such\/dir' does not exist; it should hold the four Fashion-MNIST files/,
  );
  assert.throws(
    () => checkNamedDataDirs({ searchPath: [{ dir: empty, origin: "FASHION_MNIST_DIR" }] }),
    new RegExp(`^Error: FASHION_MNIST_DIR: '${empty}' holds none`),
  );
});

Deno.test("an unreachable mirror is reported with the download error", async () => {
  const err = await rejection(() =>
    loadFashionMnist({
      searchPath: [],
      cacheDir: fs.mkdtempSync("/tmp/c-"),
      download: "http://127.0.0.1:9/",
    })
  );
  assert.match((err as Error).message, /download from http:\/\/127\.0\.0\.1:9\/ failed/);
});

Deno.test("files are downloaded into the cache, verified, then used", async () => {
  const src = writeTinyDataset({ gzip: true });
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) => {
      const name = new URL(req.url).pathname.slice(1);
      const p = path.join(src, name);
      return fs.existsSync(p)
        ? new Response(fs.readFileSync(p))
        : new Response("no", { status: 404 });
    },
  );
  try {
    const cacheDir = path.join(fs.mkdtempSync("/tmp/c-"), "fmnist");
    const base = `http://127.0.0.1:${server.addr.port}/`;
    // Tiny files cannot match the official checksums: the download is rejected, nothing is kept.
    const err = await rejection(() =>
      loadFashionMnist({ searchPath: [], cacheDir, download: base })
    );
    assert.match(
      (err as Error).message,
      /downloaded file failed verification: .*checksum mismatch/,
    );
    assert.deepEqual(
      fs.readdirSync(cacheDir),
      [],
      "a file that fails verification never lands in the cache",
    );
  } finally {
    ac.abort();
    await server.finished;
  }
});

Deno.test("a missing mirror file is reported with its URL and status", async () => {
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    () => new Response("gone", { status: 404 }),
  );
  try {
    const base = `http://127.0.0.1:${server.addr.port}/`;
    const err = await rejection(() =>
      loadFashionMnist({ searchPath: [], cacheDir: fs.mkdtempSync("/tmp/c-"), download: base })
    );
    assert.match((err as Error).message, /train-images-idx3-ubyte\.gz answered 404/);
  } finally {
    ac.abort();
    await server.finished;
  }
});

Deno.test("a truncated gzip file is named in the error", async () => {
  const dir = writeTinyDataset({ gzip: true });
  const p = path.join(dir, `${FILES.trainImages.name}.gz`);
  const bytes = fs.readFileSync(p);
  fs.writeFileSync(p, bytes.subarray(0, bytes.length - 40));
  const err = await rejection(() => loadFashionMnist({ dataDir: dir, ...offline }));
  assert.match((err as Error).message, new RegExp(`${p}: truncated or corrupt gzip`));
});

Deno.test("a wrong magic number is named in the error", async () => {
  const dir = writeTinyDataset();
  // labels written where the images belong
  fs.writeFileSync(path.join(dir, FILES.trainImages.name), encodeIdx([20], new Uint8Array(20)));
  const err = await rejection(() => loadFashionMnist({ dataDir: dir, ...offline }));
  assert.match(
    (err as Error).message,
    /train-images-idx3-ubyte: wrong IDX magic number 0x00000801/,
  );
});

Deno.test("wrong image dimensions are named in the error", async () => {
  const dir = writeTinyDataset();
  fs.writeFileSync(
    path.join(dir, FILES.trainImages.name),
    encodeIdx([20, 32, 32], new Uint8Array(20 * 1024)),
  );
  const err = await rejection(() => loadFashionMnist({ dataDir: dir, ...offline }));
  assert.match(
    (err as Error).message,
    /train-images-idx3-ubyte: images are 32x32 pixels, expected 28x28/,
  );
});

Deno.test("an image/label count mismatch names both files", async () => {
  const dir = writeTinyDataset({ trainCount: 20 });
  fs.writeFileSync(path.join(dir, FILES.trainLabels.name), encodeIdx([19], new Uint8Array(19)));
  const err = await rejection(() => loadFashionMnist({ dataDir: dir, ...offline }));
  assert.match(
    (err as Error).message,
    /count mismatch: .*train-images-idx3-ubyte has 20 images but .*train-labels-idx1-ubyte has 19 labels/,
  );
});

Deno.test("a label outside 0..9 is rejected", async () => {
  const dir = writeTinyDataset({ testCount: 10 });
  fs.writeFileSync(
    path.join(dir, FILES.testLabels.name),
    encodeIdx([10], new Uint8Array(10).fill(12)),
  );
  const err = await rejection(() => loadFashionMnist({ dataDir: dir, ...offline }));
  assert.match(
    (err as Error).message,
    /t10k-labels-idx1-ubyte: label 12 at index 0 is not in 0\.\.9/,
  );
});

Deno.test("a checksum mismatch names the file and both digests", async () => {
  const dir = writeTinyDataset({ gzip: true });
  const err = await rejection(() =>
    loadFashionMnist({ dataDir: dir, searchPath: [], download: false, verifyChecksums: true })
  );
  assert.match(
    (err as Error).message,
    new RegExp(
      `train-images-idx3-ubyte\\.gz: checksum mismatch: SHA-256 of the decompressed bytes is [0-9a-f]{64}, expected ${FILES.trainImages.sha256}`,
    ),
  );
});

Deno.test("a file that cannot be read is named in the error", async () => {
  const dir = writeTinyDataset();
  const p = path.join(dir, FILES.testImages.name);
  fs.rmSync(p);
  fs.mkdirSync(p); // exists, but is a directory
  const err = await rejection(() => loadFashionMnist({ dataDir: dir, ...offline }));
  assert.match((err as Error).message, new RegExp(`${p}: cannot read`));
});

const haveReal = fs.existsSync(path.join(DEBIAN_DIR, `${FILES.trainImages.name}.gz`));

Deno.test({
  name: "the real training split has 60,000 images, 6,000 per class and mean pixel about 0.286",
  ignore: !haveReal,
  async fn() {
    const t0 = performance.now();
    const ds = await loadFashionMnist({ dataDir: DEBIAN_DIR });
    const ms = performance.now() - t0;
    assert.deepEqual(ds.train.count, 60_000);
    assert.deepEqual(ds.test.count, 10_000);
    assert.deepEqual(ds.train.images.length, 60_000 * 784);
    const hist = new Array(10).fill(0);
    for (const l of ds.train.labels) hist[l]++;
    assert.deepEqual(hist, new Array(10).fill(6000));
    let sum = 0;
    for (const v of ds.train.images) sum += v;
    const mean = sum / ds.train.images.length / 255;
    assert.ok(Math.abs(mean - 0.286) < 0.001, `mean pixel ${mean}`);
    assert.ok(ms < 10_000, `loading took ${ms.toFixed(0)} ms`);
  },
});
