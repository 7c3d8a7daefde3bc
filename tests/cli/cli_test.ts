import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  DEBIAN_DIR,
  decodeNpy,
  DEFAULT_JUDGE_FILE,
  encodeNpy,
  FILES,
  loadFashionMnist,
  RunDir,
} from "../../lib/mod.ts";

const root = path.resolve(import.meta.dirname!, "../..");

async function cli(
  script: string,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", path.join(root, "lib/cli", script), ...args],
    env: { NO_COLOR: "1", GAN_BACKEND: "wasm" },
    stdout: "piped",
    stderr: "piped",
  });
  const res = await cmd.output();
  const dec = new TextDecoder();
  return { code: res.code, out: dec.decode(res.stdout), err: dec.decode(res.stderr) };
}

Deno.test("an unknown flag is a usage error with exit status 2", async () => {
  const r = await cli("train.ts", "--model", "mlp", "--bogus");
  assert.equal(r.code, 2);
  assert.match(r.err, /error: unknown flag --bogus \(--help lists them\)/);
  assert.match(
    r.err,
    /usage: deno task train --model mlp\|dcgan\|improved\|cdcgan\|stylegan\|cyclegan --out DIR/,
  );
});

Deno.test("an unknown flag close to a real one suggests it", async () => {
  for (const [typo, meant] of [["--epoch", "epochs"], ["--sead", "seed"], ["--outt", "out"]]) {
    const r = await cli("train.ts", "--model", "mlp", typo, "3");
    assert.equal(r.code, 2);
    assert.match(r.err, new RegExp(`error: unknown flag ${typo}; did you mean --${meant}\\?`));
  }
});

Deno.test("negative, zero, fractional, non-numeric and missing values name the flag and what it expects", async () => {
  const cases: [string[], RegExp][] = [
    [["--epochs", "-1"], /--epochs expects an integer >= 1, got '-1'/],
    [["--epochs", "0"], /--epochs expects an integer >= 1, got '0'/],
    [["--epochs", "2.5"], /--epochs expects an integer >= 1, got '2\.5'/],
    [["--batch-size", "many"], /--batch-size expects an integer >= 1, got 'many'/],
    [["--lr-g", "-0.1"], /--lr-g expects a number in \[0, 1\], got '-0\.1'/],
    [["--epochs"], /--epochs expects a value \(N\)/],
    [["--dry-run=yes"], /--dry-run takes no value/],
  ];
  for (const [args, message] of cases) {
    const r = await cli("train.ts", "--model", "mlp", "--out", "/tmp/never-made", ...args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err, message);
  }
  assert.ok(!fs.existsSync("/tmp/never-made"));
});

Deno.test("an --out that is a file or cannot be created is refused before the data loads", async () => {
  const file = path.join(fs.mkdtempSync("/tmp/out-"), "a-file");
  fs.writeFileSync(file, "x");
  let r = await cli("train.ts", "--model", "mlp", "--epochs", "1", "--out", file);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`error: --out: '${file}' exists and is not a directory`));
  assert.doesNotMatch(r.out, /^data:/m);
  r = await cli("train.ts", "--model", "mlp", "--epochs", "1", "--out", `${file}/run`);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`error: --out: cannot create '${file}/run'`));
  assert.doesNotMatch(r.out, /^backend/m);
});

Deno.test("a --data-dir or FASHION_MNIST_DIR without the files is an error naming the directory and the files", async () => {
  const empty = fs.mkdtempSync("/tmp/no-data-");
  const out = path.join(fs.mkdtempSync("/tmp/out-"), "run");
  let r = await cli("train.ts", "--model", "mlp", "--out", out, "--data-dir", empty);
  assert.equal(r.code, 1);
  assert.match(
    r.err,
    new RegExp(
      `error: --data-dir: '${empty}' holds none of the four Fashion-MNIST files \\(train-images-idx3-ubyte, `,
    ),
  );
  assert.ok(!fs.existsSync(out), "nothing was created");
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      path.join(root, "lib/cli/train.ts"),
      "--model",
      "mlp",
      "--out",
      out,
    ],
    env: { NO_COLOR: "1", GAN_BACKEND: "wasm", FASHION_MNIST_DIR: empty },
    stdout: "piped",
    stderr: "piped",
  });
  const res = await cmd.output();
  r = { code: res.code, out: "", err: new TextDecoder().decode(res.stderr) };
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`error: FASHION_MNIST_DIR: '${empty}' holds none`));
});

Deno.test("bad flag values are named in the error", async () => {
  let r = await cli("train.ts", "--model", "mlp", "--out", "/tmp/x", "--epochs", "zero");
  assert.equal(r.code, 2);
  assert.match(r.err, /--epochs expects an integer >= 1, got 'zero'/);
  r = await cli("train.ts", "--model", "gan9", "--out", "/tmp/x");
  assert.match(
    r.err,
    /--model expects one of mlp\|dcgan\|improved\|cdcgan\|stylegan\|cyclegan, got 'gan9'/,
  );
  r = await cli("train.ts", "--out", "/tmp/x");
  assert.match(r.err, /--model is required/);
  r = await cli("train.ts", "--model", "mlp", "--out", "/tmp/x", "--backend", "gpu");
  assert.match(
    r.err,
    /--backend expects one of auto\|tensorflow\|webgpu\|native\|wasm\|cpu, got 'gpu'/,
  );
});

Deno.test("--help prints the usage and exits 0", async () => {
  const r = await cli("train.ts", "--help");
  assert.equal(r.code, 0);
  assert.match(r.out, /--dry-run/);
});

const haveReal = fs.existsSync(path.join(DEBIAN_DIR, `${FILES.trainImages.name}.gz`));

Deno.test({
  name:
    "--model cyclegan trains a class pair, refuses the GANs' flags, and deno task translate uses it both ways",
  ignore: !haveReal,
  async fn() {
    const out = path.join(fs.mkdtempSync("/tmp/cli-cycle-"), "run");
    const pair = ["--model", "cyclegan", "--from", "sneaker", "--to", "ankle-boot"];
    const r = await cli(
      "train.ts",
      ...pair,
      ...["--steps", "2", "--batch-size", "2", "--ngf", "4", "--ndf", "4", "--out", out],
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /translating Sneaker <-> Ankle boot/);
    assert.match(r.out, /done: step 2/);
    assert.ok(fs.existsSync(path.join(out, "samples", "step-000002.png")));
    const bad = await cli("train.ts", ...pair, "--loss", "hinge", "--out", out);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--loss does not apply to --model cyclegan/);
    // the run's pair translates a .npy of images both ways
    const dir = path.dirname(out), input = path.join(dir, "in.npy");
    fs.writeFileSync(input, encodeNpy(new Uint8Array(3 * 784).fill(200), [3, 28, 28]));
    for (const extra of [[], ["--reverse"]]) {
      const t = await cli(
        "translate.ts",
        ...["--run", out, "--npy", input, "--out", path.join(dir, "t.npy")],
        ...["--png", path.join(dir, "t.png"), ...extra],
      );
      assert.equal(t.code, 0, t.err);
      assert.match(
        t.out,
        extra.length ? /3 images Ankle boot -> Sneaker/ : /3 images Sneaker -> Ankle boot/,
      );
      const arr = decodeNpy(fs.readFileSync(path.join(dir, "t.npy")), "t.npy");
      assert.deepEqual(arr.shape, [3, 28, 28]);
    }
    const wrongShape = path.join(dir, "flat.npy");
    fs.writeFileSync(wrongShape, encodeNpy(new Float32Array(784), [784]));
    const t = await cli(
      "translate.ts",
      "--run",
      out,
      "--npy",
      wrongShape,
      "--out",
      path.join(dir, "x.npy"),
    );
    assert.equal(t.code, 2);
    assert.match(t.err, /--npy: .*flat\.npy has shape \[784\], expected \[N, 28, 28\]/);
  },
});

Deno.test({
  name:
    "deno task export ships a CycleGAN run as a scored pair, and --rescore scores a shipped pair again in place",
  ignore: !haveReal,
  async fn() {
    const base = fs.mkdtempSync("/tmp/cli-rescore-");
    const run = path.join(base, "run"), assets = path.join(base, "assets");
    const trained = await cli(
      "train.ts",
      ...["--model", "cyclegan", "--from", "sandal", "--to", "sneaker", "--steps", "1"],
      ...["--batch-size", "2", "--ngf", "4", "--ndf", "4", "--out", run],
    );
    assert.equal(trained.code, 0, trained.err);
    let r = await cli("export.ts", "--run", run, "--name", "pair", "--root", assets);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Sandal -> Sneaker: success \d+\.\d%/);
    const manifestFile = path.join(assets, "pair", "model.json");
    const shipped = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
    const weights = fs.readFileSync(path.join(assets, "pair", "translator.ckpt"));
    fs.writeFileSync(manifestFile, JSON.stringify({ ...shipped, scores: {} }));
    r = await cli("export.ts", "--rescore", "--name", "pair", "--root", assets);
    assert.equal(r.code, 0, r.err);
    const rescored = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
    assert.deepEqual(rescored.scores, shipped.scores);
    assert.deepEqual(fs.readFileSync(path.join(assets, "pair", "translator.ckpt")), weights);
    // a generator has no pair scores to redo; --run and --rescore exclude each other
    const usage: [string[], RegExp][] = [
      [
        ["--rescore", "--name", "dcgan"],
        /--rescore: 'dcgan' in .*assets\/pretrained is not a shipped translation pair/,
      ],
      [["--name", "pair"], /give exactly one of --run DIR or --rescore/],
      [["--run", run, "--rescore", "--name", "pair"], /give exactly one of --run DIR or --rescore/],
    ];
    for (const [args, message] of usage) {
      r = await cli("export.ts", ...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, message);
    }
  },
});

Deno.test({
  name: "--dry-run runs two steps on the real data and writes nothing",
  ignore: !haveReal,
  async fn() {
    const r = await cli("train.ts", "--model", "dcgan", "--dry-run", "--batch-size", "8");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /convT2 +\[8, 7, 7, 256\]/);
    assert.match(r.out, /dry-run step 2: D \d/);
    assert.match(r.out, /dry run ok: nothing written/);
  },
});

Deno.test({
  name: "a killed run resumed with the same command ends where an uninterrupted one would",
  ignore: !haveReal,
  async fn() {
    const out = path.join(fs.mkdtempSync("/tmp/cli-"), "mlp");
    const base = ["--model", "mlp", "--out", out, "--batch-size", "16", "--seed", "3"];
    let r = await cli("train.ts", ...base, "--steps", "3");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /done: step 3/);
    r = await cli("train.ts", ...base, "--steps", "3");
    assert.equal(r.code, 1);
    assert.match(r.err, /already holds a run .*pass --resume/);
    r = await cli("train.ts", ...base, "--steps", "5", "--resume");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /resuming at step 3/);
    assert.deepEqual(new RunDir(out).history().map((h) => h.step), [
      1,
      2,
      3,
      4,
      5,
    ]);
    assert.ok(fs.existsSync(path.join(out, "samples", "step-000005.png")));

    const npy = path.join(out, "s.npy");
    r = await cli(
      "sample.ts",
      "--run",
      out,
      "--n",
      "10",
      "--out",
      npy,
      "--png",
      path.join(out, "s.png"),
    );
    assert.equal(r.code, 0, r.err);
    const arr = decodeNpy(fs.readFileSync(npy), npy);
    assert.deepEqual([arr.dtype, arr.shape], ["<f4", [10, 28, 28]]);
    assert.ok(fs.existsSync(path.join(out, "s.png")));
  },
});

Deno.test({
  name: "the library's errors reach the user naming the flags that set the options",
  ignore: !haveReal,
  async fn() {
    const out = path.join(fs.mkdtempSync("/tmp/cli-"), "none");
    const r = await cli("train.ts", "--model", "mlp", "--out", out, "--resume", "--steps", "1");
    assert.equal(r.code, 1);
    assert.match(r.err, /error: --resume: no checkpoint at .*none\/checkpoint\.ckpt/);
  },
});

Deno.test("sample refuses a non-.npy output and a directory without a run", async () => {
  let r = await cli("sample.ts", "--run", "/tmp", "--n", "2", "--out", "/tmp/x.txt");
  assert.equal(r.code, 2);
  assert.match(r.err, /--out must name a \.npy file/);
  r = await cli("sample.ts", "--run", "/tmp", "--n", "2", "--out", "/tmp/x.npy");
  assert.equal(r.code, 1);
  assert.match(r.err, /\/tmp: no checkpoint/);
});

const haveJudge = haveReal && fs.existsSync(DEFAULT_JUDGE_FILE);

Deno.test({
  name: "train --eval-every-steps scores FID, and evaluate scores runs and .npy files as JSON",
  ignore: !haveJudge,
  async fn() {
    const out = path.join(fs.mkdtempSync("/tmp/cli-"), "mlp");
    let r = await cli(
      "train.ts",
      ...["--model", "mlp", "--out", out, "--batch-size", "16", "--steps", "4"],
      ...["--eval-every-steps", "2", "--eval-samples", "200"],
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /FID judge: .*fashion_judge\.ckpt \(test accuracy 9\d\.\d\d%\)/);
    assert.match(r.out, /FID \d+\.\d+ at step 4 \(epoch 0\.00, 200 images/);
    assert.deepEqual(new RunDir(out).quality().map((q) => q.step), [2, 4]);

    r = await cli("evaluate.ts", "--run", out, "--n", "300", "--json");
    assert.equal(r.code, 0, r.err);
    const scores = JSON.parse(r.out);
    for (
      const key of ["n", "fid", "is", "precision", "recall", "classEntropy", "minClassShare"]
    ) assert.equal(typeof scores[key], "number", key);
    assert.equal(scores.n, 300);
    assert.ok(scores.judgeAccuracy >= 0.92);
    assert.equal(scores.step, 4);

    const npy = path.join(out, "real.npy");
    const { test } = await loadFashionMnist({ download: false });
    const images = Float32Array.from(test.images.subarray(0, 300 * 784), (v) => v / 255);
    fs.writeFileSync(npy, encodeNpy(images, [300, 28, 28]));
    r = await cli("evaluate.ts", "--npy", npy);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /FID \(judge features, lower is better\) +\d+\.\d{3}/);
    assert.match(r.out, /median distance to nearest train image/);

    // the fixed-noise grid the trainer wrote is a file evaluate scores as it is
    const grid = path.join(out, "samples", "step-000004.npy");
    r = await cli("evaluate.ts", "--npy", grid, "--json");
    assert.equal(r.code, 0, r.err);
    assert.deepEqual([JSON.parse(r.out).n, JSON.parse(r.out).npy], [64, grid]);
  },
});

Deno.test("sample and explore name their source group the same way", async () => {
  for (const args of [[], ["--run", "/tmp/x", "--pretrained", "dcgan"]]) {
    const r = await cli("sample.ts", "--n", "4", "--png", "/tmp/never.png", ...args);
    assert.equal(r.code, 2);
    assert.match(r.err, /error: give exactly one of --run DIR or --pretrained NAME/);
    const e = await cli("explore.ts", ...args);
    assert.equal(e.code, 2);
    assert.match(e.err, /error: give exactly one of --run DIR or --pretrained NAME/);
  }
});

Deno.test("evaluate needs exactly one source and names a malformed .npy file", async () => {
  let r = await cli("evaluate.ts", "--n", "10");
  assert.equal(r.code, 2);
  assert.match(r.err, /give exactly one of --run DIR, --pretrained NAME, --npy FILE or --real/);
  const bad = path.join(fs.mkdtempSync("/tmp/cli-"), "bad.npy");
  fs.writeFileSync(bad, encodeNpy(new Float32Array(2 * 32 * 32), [2, 32, 32]));
  r = await cli("evaluate.ts", "--npy", bad);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.npy: shape \[2,32,32\] is not a stack of 28x28 images/);
  fs.writeFileSync(bad, "not numpy");
  r = await cli("evaluate.ts", "--npy", bad);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.npy: not a readable \.npy file/);
});

Deno.test({
  name: "judge reloads the shipped judge and re-measures its test accuracy",
  ignore: !haveJudge,
  async fn() {
    const r = await cli("judge.ts");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /loaded .*fashion_judge\.ckpt/);
    assert.match(
      r.out,
      /test accuracy 9[2-9]\.\d\d% \(recorded 9[2-9]\.\d\d%\), weights sha256 [0-9a-f]{64}/,
    );
  },
});

Deno.test({
  name: "a class-conditional variant trains through the CLI and samples one class on request",
  ignore: !haveReal,
  async fn() {
    const out = path.join(fs.mkdtempSync("/tmp/cli-"), "c");
    let r = await cli(
      "train.ts",
      ...["--model", "cdcgan", "--loss", "hinge", "--spectral-norm", "--ema", "0.9"],
      ...["--out", out, "--batch-size", "8", "--steps", "2"],
    );
    assert.equal(r.code, 0, r.err);
    const config = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8"));
    assert.deepEqual(
      [config.model.kind, config.loss, config.model.spectralNorm, config.emaDecay],
      ["cdcgan", "hinge", true, 0.9],
    );
    const npy = path.join(out, "sneakers.npy");
    r = await cli("sample.ts", "--run", out, "--n", "4", "--class", "7", "--out", npy);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /wrote 4 images of \/tmp\/\S+ \(cdcgan, step 2, class 7\)/);
    assert.deepEqual(decodeNpy(fs.readFileSync(npy), npy).shape, [4, 28, 28]);
    r = await cli("sample.ts", "--run", out, "--n", "4", "--class", "12", "--out", npy);
    assert.equal(r.code, 2);
    assert.match(r.err, /--class expects a class 0..9, got '12'/);
  },
});

const haveShipped = fs.existsSync(path.join(root, "assets/pretrained/mlp/model.json"));

Deno.test({
  name: "a shipped model samples and scores with no training, and an unknown one is named",
  ignore: !haveShipped || !haveJudge,
  async fn() {
    const out = fs.mkdtempSync("/tmp/cli-");
    const npy = path.join(out, "x.npy"), png = path.join(out, "x.png");
    let r = await cli("sample.ts", "--pretrained", "mlp", "--n", "16", "--out", npy, "--png", png);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /wrote 16 images of mlp \(mlp, step \d+\) to /);
    assert.deepEqual(decodeNpy(fs.readFileSync(npy), npy).shape, [16, 28, 28]);
    assert.ok(fs.existsSync(png));
    // a grid alone, as the README's first shipped-model command writes it (--n defaults to 64)
    const only = path.join(out, "only.png");
    r = await cli("sample.ts", "--pretrained", "mlp", "--png", only);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /wrote a grid of 64 images of mlp \(mlp, step \d+\) to /);
    assert.deepEqual([...fs.readFileSync(only).subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
    r = await cli("sample.ts", "--pretrained", "mlp", "--n", "4");
    assert.equal(r.code, 2);
    assert.match(r.err, /give --out FILE\.npy, --png FILE, or both/);
    r = await cli("evaluate.ts", "--pretrained", "mlp", "--n", "200", "--json");
    assert.equal(r.code, 0, r.err);
    const scores = JSON.parse(r.out);
    assert.equal(scores.pretrained, "mlp");
    assert.ok(scores.fid > 0 && scores.n === 200);
    r = await cli("sample.ts", "--pretrained", "nope", "--n", "2", "--out", npy);
    assert.equal(r.code, 1);
    assert.match(r.err, /error: no --pretrained model 'nope' in .*: expected one of .*mlp/);
  },
});

Deno.test("exporting a StyleGAN run records its truncation and path-length scores beside the shipped DCGAN's", async () => {
  const base = fs.mkdtempSync("/tmp/export-style-");
  const run = path.join(base, "run"), assets = path.join(base, "assets");
  const trained = await cli(
    "train.ts",
    ...["--model", "stylegan", "--ngf", "8", "--ndf", "8", "--steps", "2", "--batch-size", "8"],
    ...["--out", run],
  );
  assert.equal(trained.code, 0, trained.err);
  // the path lengths of the shipped DCGAN go beside the StyleGAN's
  fs.cpSync(path.join(root, "assets/pretrained/dcgan"), path.join(assets, "dcgan"), {
    recursive: true,
  });
  const r = await cli(
    "export.ts",
    ...["--run", run, "--name", "tiny", "--root", assets, "--n", "8", "--pairs", "4"],
  );
  assert.equal(r.code, 0, r.err);
  const manifest = JSON.parse(fs.readFileSync(path.join(assets, "tiny", "model.json"), "utf8"));
  assert.deepEqual(manifest.style.truncation.map((t: { psi: number }) => t.psi), [
    1,
    0.9,
    0.7,
    0.5,
  ]);
  assert.deepEqual(
    [
      ...new Set(
        manifest.style.pathLengths.map((p: { model: string; space: string }) =>
          `${p.model} ${p.space}`
        ),
      ),
    ],
    ["DCGAN z", "StyleGAN z", "StyleGAN w"],
  );
  assert.match(r.out, /psi 0\.5: FID \d+\.\d\d/);
  assert.match(r.out, /PPL StyleGAN W full seed 1: \d+\.\d\d/);
});
