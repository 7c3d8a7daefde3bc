import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  createGan,
  defaultModelConfig,
  disposeGan,
  initBackend,
  MODEL_KINDS,
  MODELS,
  parameterCounts,
  Rng,
  summarize,
} from "../../lib/mod.ts";

await initBackend({ backend: "cpu" });

/** One-hot labels of class 0 for `b` examples of a conditional model (none otherwise). */
const labelsFor = (classes: number, b: number) =>
  classes > 0 ? tf.oneHot(tf.zeros([b], "int32"), classes).toFloat() as tf.Tensor2D : undefined;

Deno.test("every generator maps z [b, zDim] to images [b, 28, 28, 1] in [-1, 1]", () => {
  for (const kind of MODEL_KINDS) {
    const config = defaultModelConfig(kind);
    const gan = createGan(config, 1);
    tf.tidy(() => {
      const z = tf.randomNormal([3, config.zDim]);
      const labels = labelsFor(config.classes, 3);
      for (const training of [false, true]) {
        const x = gan.generator.apply(z, { training, rng: new Rng(1), labels });
        assert.deepEqual(x.shape, [3, 28, 28, 1], kind);
        const v = x.dataSync();
        // StyleGAN's images are linear while it trains, clipped when drawn
        const linear = training && MODELS[kind].recipe === "stylegan2";
        assert.ok(
          v.every((p) => linear ? Number.isFinite(p) : p >= -1 && p <= 1),
          `${kind} output outside [-1, 1]`,
        );
      }
    });
    disposeGan(gan);
  }
});

Deno.test("every discriminator maps images [b, 28, 28, 1] to logits [b, 1]", () => {
  for (const kind of MODEL_KINDS) {
    const config = defaultModelConfig(kind);
    const gan = createGan(config, 1);
    tf.tidy(() => {
      const out = gan.discriminator.apply(tf.randomUniform([5, 28, 28, 1], -1, 1), {
        training: true,
        rng: new Rng(2),
        labels: labelsFor(config.classes, 5),
      });
      assert.deepEqual(out.shape, [5, 1], kind);
    });
    disposeGan(gan);
  }
});

Deno.test("the DCGAN follows the report's text: G 1->4->7->14->28, D 28->14->7->3->1", () => {
  const gan = createGan(defaultModelConfig("dcgan"), 0);
  const g = summarize(gan.generator, [2, 100]).filter((r) => r.layer.startsWith("conv"));
  assert.deepEqual(g.map((r) => r.outputShape.slice(1)), [[4, 4, 512], [7, 7, 256], [14, 14, 128], [
    28,
    28,
    64,
  ], [28, 28, 1]]);
  const d = summarize(gan.discriminator, [2, 28, 28, 1]).filter((r) => r.layer.startsWith("conv"));
  assert.deepEqual(d.map((r) => r.outputShape.slice(1)), [[14, 14, 64], [7, 7, 128], [3, 3, 256], [
    1,
    1,
    1,
  ]]);
  disposeGan(gan);
});

Deno.test("parameter counts match a hand count from SPEC.md", () => {
  // MLP G: Linear(100,256)+BN(256), Linear(256,512)+BN(512), Linear(512,1024)+BN(1024), Linear(1024,784)
  const mlpG = (100 * 256 + 256) + 2 * 256 + (256 * 512 + 512) + 2 * 512 + (512 * 1024 + 1024) +
    2 * 1024 +
    (1024 * 784 + 784);
  // MLP D: Linear(784,1024), Linear(1024,512), Linear(512,256), Linear(256,1)
  const mlpD = (784 * 1024 + 1024) + (1024 * 512 + 512) + (512 * 256 + 256) + (256 + 1);
  // DCGAN G (no conv bias): ConvT(100,512,4)+BN, ConvT(512,256,3)+BN, ConvT(256,128,4)+BN, ConvT(128,64,4)+BN, Conv(64,1,3)
  const convG = 100 * 512 * 16 + 2 * 512 + 512 * 256 * 9 + 2 * 256 + 256 * 128 * 16 + 2 * 128 +
    128 * 64 * 16 +
    2 * 64 + 64 * 9;
  // DCGAN D: Conv(1,64,4), Conv(64,128,4)+BN, Conv(128,256,4)+BN, Conv(256,1,3)
  const convD = 64 * 16 + 64 * 128 * 16 + 2 * 128 + 128 * 256 * 16 + 2 * 256 + 256 * 9;
  assert.deepEqual(parameterCounts("mlp"), {
    generator: mlpG,
    discriminator: mlpD,
    total: mlpG + mlpD,
  });
  assert.deepEqual(parameterCounts("dcgan"), {
    generator: convG,
    discriminator: convD,
    total: convG + convD,
  });
  assert.deepEqual(parameterCounts("improved"), parameterCounts("dcgan"));
  assert.equal(mlpG, 1_489_936);
  assert.equal(convG, 2_656_704);
});

Deno.test("conv weights are initialised N(0, 0.02) and BatchNorm gamma N(1, 0.02), beta 0", () => {
  const gan = createGan(defaultModelConfig("dcgan"), 0);
  const w = gan.generator.store.params.get("convT2.weight")!.dataSync() as Float32Array;
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
  assert.ok(Math.abs(mean) < 0.001 && Math.abs(sd - 0.02) < 0.001, `mean ${mean} sd ${sd}`);
  const gamma = gan.generator.store.params.get("bn1.weight")!.dataSync() as Float32Array;
  const gm = gamma.reduce((a, b) => a + b, 0) / gamma.length;
  assert.ok(Math.abs(gm - 1) < 0.005, `gamma mean ${gm}`);
  assert.ok(gan.generator.store.params.get("bn1.bias")!.dataSync().every((v) => v === 0));
  disposeGan(gan);
});

Deno.test("MLP weights are Xavier-uniform bounded by sqrt(6 / (fanIn + fanOut))", () => {
  const gan = createGan(defaultModelConfig("mlp"), 0);
  const w = gan.discriminator.store.params.get("fc1.weight")!.dataSync() as Float32Array;
  const bound = Math.sqrt(6 / (784 + 1024));
  const max = w.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
  assert.ok(max <= bound && max > 0.99 * bound, `max |w| ${max}, bound ${bound}`);
  disposeGan(gan);
});

Deno.test("the same seed builds the same weights, another seed different ones", () => {
  const a = createGan(defaultModelConfig("mlp"), 5), b = createGan(defaultModelConfig("mlp"), 5);
  const c = createGan(defaultModelConfig("mlp"), 6);
  const w = (g: typeof a) => g.generator.store.params.get("fc1.weight")!.dataSync();
  assert.deepEqual(w(a), w(b));
  assert.notDeepEqual(w(a), w(c));
  [a, b, c].forEach(disposeGan);
});

Deno.test("Dropout2d zeroes whole channels in training mode and nothing in evaluation mode", async () => {
  const { dropout2d } = await import("../../lib/models/layers.ts");
  tf.tidy(() => {
    const x = tf.ones([4, 3, 3, 50]) as tf.Tensor4D;
    const y = dropout2d(x, 0.3, { training: true, rng: new Rng(3) }).arraySync() as number[][][][];
    for (const ex of y) {
      for (let c = 0; c < 50; c++) {
        const vals = new Set(ex.flat().map((px) => px[c]));
        assert.equal(vals.size, 1, "a channel is either all dropped or all kept");
        const v = [...vals][0];
        assert.ok(v === 0 || Math.abs(v - 1 / 0.7) < 1e-6);
      }
    }
    assert.deepEqual(dropout2d(x, 0.3, { training: false }).dataSync(), x.dataSync());
  });
});

Deno.test("BatchNorm in training mode updates running statistics as PyTorch does", async () => {
  const { batchNorm, batchNormVars, ParamStore } = await import("../../lib/models/layers.ts");
  const store = new ParamStore();
  const vars = batchNormVars(store, "bn", 2, new Rng(1), 0);
  tf.tidy(() => {
    const x = tf.tensor2d([[1, 10], [3, 20], [5, 30]]);
    const y = batchNorm(x, vars, { momentum: 0.1, eps: 1e-5 }, { training: true });
    // batch mean (3, 20); biased var (8/3, 200/3) normalises; unbiased (4, 100) feeds the running var
    const yv = y.arraySync() as number[][];
    assert.ok(Math.abs(yv[0][0] - (1 - 3) / Math.sqrt(8 / 3 + 1e-5)) < 1e-4);
    const rm = vars.runningMean.dataSync(), rv = vars.runningVar.dataSync();
    assert.ok(Math.abs(rm[0] - 0.3) < 1e-6 && Math.abs(rm[1] - 2) < 1e-5);
    assert.ok(Math.abs(rv[0] - (0.9 + 0.4)) < 1e-5 && Math.abs(rv[1] - (0.9 + 10)) < 1e-4);
  });
  store.dispose();
});
