/**
 * The webgpu backend against the cpu backend: the same models, weights, batches and random
 * draws on both, compared step by step. Here the adapter is Mesa's llvmpipe (a software
 * rasteriser): slow, but it runs the same WGSL shaders a GPU would. Without an adapter every
 * test is skipped and says why.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  defaultJudgeConfig,
  GanTrainer,
  initBackend,
  Judge,
  MODEL_KINDS,
  MODELS,
  Rng,
  type TrainConfig,
} from "../../lib/mod.ts";
import { smallConfig } from "../_support/small_config.ts";

/** Why there is no webgpu here, or null when there is. */
async function unavailable(): Promise<string | null> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return "this runtime has no navigator.gpu";
  return (await gpu.requestAdapter())
    ? null
    : "no WebGPU adapter (apt-get install libegl-mesa0 libgl1-mesa-dri)";
}
const why = await unavailable();
const ignore = why !== null;
const skipped = why ? ` (skipped: ${why})` : "";

/** A batch of 8 images and labels, the same on every backend. */
function batch(): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const x = tf.tensor4d(new Rng(3).fillUniform(new Float32Array(8 * 784), -1, 1), [8, 28, 28, 1]);
  return { x, y: tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32") };
}

/** Runs `steps` training steps of `config` on `backend`: losses, and the tensor count's growth. */
async function train(backend: "cpu" | "webgpu", config: TrainConfig, steps: number) {
  await initBackend({ backend });
  const t = new GanTrainer(config);
  const { x, y } = batch();
  const labels = MODELS[config.model.kind].conditional ? y : undefined;
  const losses: number[] = [];
  let count = 0;
  for (let i = 0; i < steps; i++) {
    const r = await t.trainStep(x, 1, i, labels);
    losses.push(r.dLoss, r.gLoss ?? 0, r.dReal, r.dFake);
    if (i === 0) count = tf.memory().numTensors;
  }
  const growth = tf.memory().numTensors - count;
  tf.dispose([x, y]);
  t.dispose();
  return { losses, growth };
}

const close = (a: number[], b: number[], tolerance: number) =>
  a.every((v, i) => Math.abs(v - b[i]) <= tolerance * Math.max(1, Math.abs(b[i])));

for (const kind of MODEL_KINDS) {
  Deno.test({
    name: `${kind}: training steps on webgpu give cpu's losses, with a flat tensor count` +
      skipped,
    ignore,
    async fn() {
      const config = smallConfig(kind);
      // StyleGAN2's Adam (lr 0.0025, beta1 0) turns float rounding into full-size steps: after
      // the first step (compared at 1e-3) its losses are compared at 3e-2, over two steps
      const style = MODELS[kind].recipe === "stylegan2", steps = style ? 2 : 3;
      const gpu = await train("webgpu", config, steps), cpu = await train("cpu", config, steps);
      const first = (l: number[]) => l.slice(0, 4), rest = (l: number[]) => l.slice(4);
      assert.ok(
        close(first(gpu.losses), first(cpu.losses), 1e-3) &&
          close(rest(gpu.losses), rest(cpu.losses), style ? 3e-2 : 1e-3),
        `webgpu ${gpu.losses}\ncpu    ${cpu.losses}`,
      );
      assert.equal(gpu.growth, 0, "no tensor outlives a step on webgpu");
    },
  });
}

for (const variant of ["wgan-gp", "hinge"] as const) {
  Deno.test({
    name:
      `dcgan with the ${variant} loss${
        variant === "hinge" ? " and spectral norm" : " (second-order gradients)"
      } trains on webgpu as on cpu` + skipped,
    ignore,
    async fn() {
      const base = smallConfig("dcgan", { loss: variant, gEvery: 1 });
      const config = variant === "hinge"
        ? { ...base, model: { ...base.model, spectralNorm: true } }
        : base;
      const gpu = await train("webgpu", config, 2), cpu = await train("cpu", config, 2);
      assert.ok(close(gpu.losses, cpu.losses, 2e-3), `webgpu ${gpu.losses}\ncpu    ${cpu.losses}`);
      assert.equal(gpu.growth, 0);
    },
  });
}

/** D's gradients on `backend` for the same weights and batch, flattened per parameter. */
async function discriminatorGradients(backend: "cpu" | "webgpu"): Promise<Float32Array[]> {
  await initBackend({ backend });
  const t = new GanTrainer(smallConfig("dcgan"));
  const { x, y } = batch();
  const z = tf.tensor2d(new Rng(4).fillNormal(new Float32Array(8 * 100)), [8, 100]);
  const ctx = () => ({ training: true, rng: new Rng(5) });
  const params = [...t.discriminator.store.params.values()];
  const { value, grads } = tf.variableGrads(() => {
    const fake = t.generator.network.apply(z, ctx());
    return t.loss.discriminator(
      t.discriminator.apply(x, ctx()),
      t.discriminator.apply(fake, ctx()),
      t.config,
    );
  }, params);
  const out = await Promise.all(params.map((p) => grads[p.name].data() as Promise<Float32Array>));
  tf.dispose([value, z, x, y, ...Object.values(grads)]);
  t.dispose();
  return out;
}

Deno.test({
  name: "D's gradients on webgpu equal cpu's to a relative 1e-3" + skipped,
  ignore,
  async fn() {
    const gpu = await discriminatorGradients("webgpu"), cpu = await discriminatorGradients("cpu");
    gpu.forEach((g, i) => {
      let diff = 0, norm = 0;
      for (let j = 0; j < g.length; j++) (diff += (g[j] - cpu[i][j]) ** 2, norm += cpu[i][j] ** 2);
      assert.ok(
        Math.sqrt(diff) <= 1e-3 * Math.sqrt(norm) + 1e-7,
        `parameter ${i}: ${Math.sqrt(diff / norm)}`,
      );
    });
  },
});

Deno.test({
  name: "the judge reads the same features and classes on webgpu as on cpu" + skipped,
  ignore,
  async fn() {
    const images = new Rng(6).fillUniform(new Float32Array(16 * 784));
    const read = async (backend: "cpu" | "webgpu") => {
      await initBackend({ backend });
      const judge = new Judge({ ...defaultJudgeConfig(), channels: [8, 16], featureDim: 16 });
      const out = await judge.outputs(images);
      judge.dispose();
      return out;
    };
    const gpu = await read("webgpu"), cpu = await read("cpu");
    assert.ok(close(Array.from(gpu.features), Array.from(cpu.features), 1e-3));
    assert.ok(close(Array.from(gpu.probs), Array.from(cpu.probs), 1e-3));
  },
});
