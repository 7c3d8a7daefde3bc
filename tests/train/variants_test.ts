import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  configLabel,
  defaultTrainConfig,
  emaDecayAt,
  GanTrainer,
  initBackend,
  loadCheckpoint,
  LOSS_KINDS,
  saveCheckpoint,
  spectralNormalise,
  type TrainConfig,
  type TrainerMeta,
  withTrainDefaults,
} from "../../lib/mod.ts";
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { smallConfig } from "../_support/small_config.ts";

await initBackend({ backend: "wasm" });

const realBatch = () => tf.randomUniform([8, 28, 28, 1], -1, 1, "float32", 7) as tf.Tensor4D;
const values = (v: tf.Variable) => (v.dataSync() as Float32Array).slice();

for (const loss of LOSS_KINDS) {
  for (const kind of ["mlp", "dcgan"] as const) {
    Deno.test(`${kind} with the ${loss} loss trains with finite losses and a flat tensor count`, async () => {
      const t = new GanTrainer(smallConfig(kind, { loss }));
      const x = realBatch();
      const first = await t.trainStep(x, 1, 0);
      const after1 = tf.memory().numTensors;
      const rest = [];
      for (const i of [1, 2, 3]) rest.push(await t.trainStep(x, 1, i));
      assert.equal(tf.memory().numTensors, after1);
      for (const r of [first, ...rest]) {
        assert.ok(Number.isFinite(r.dLoss) && Number.isFinite(r.dReal) && Number.isFinite(r.dFake));
      }
      assert.ok(Number.isFinite(first.gLoss!));
      x.dispose();
      t.dispose();
    });
  }
}

Deno.test("WGAN clips every D weight into [-c, c] after a D step", async () => {
  const t = new GanTrainer(smallConfig("dcgan", { loss: "wgan", wganClip: 0.005 }));
  const x = realBatch();
  await t.discriminatorStep(x);
  for (const [name, v] of t.discriminator.store.params) {
    const max = values(v).reduce((m, a) => Math.max(m, Math.abs(a)), 0);
    assert.ok(max <= 0.005 + 1e-9, `${name}: ${max}`);
  }
  x.dispose();
  t.dispose();
});

Deno.test("the EMA generator starts equal to G", () => {
  const t = new GanTrainer(smallConfig("dcgan", { emaDecay: 0.999 }));
  for (const [name, v] of t.generator.ema!.store.entries()) {
    assert.deepEqual(
      values(v),
      values(t.generator.network.store.entries().find(([n]) => n === name)![1]),
    );
  }
  t.dispose();
});

Deno.test("the EMA generator moves by (1 - decay) towards G after each G step, and samples come from it", async () => {
  const t = new GanTrainer(smallConfig("mlp", { emaDecay: 0.9 }));
  const ema = t.generator.ema!;
  await t.generatorStep(8);
  const count = tf.memory().numTensors;
  const name = "fc1.weight";
  const before = values(ema.store.params.get(name)!);
  await t.generatorStep(8);
  assert.equal(tf.memory().numTensors, count, "the EMA update keeps the tensor count");
  const g = values(t.generator.network.store.params.get(name)!);
  const after = values(ema.store.params.get(name)!);
  for (let i = 0; i < after.length; i += 97) {
    assert.ok(Math.abs(after[i] - (0.9 * before[i] + 0.1 * g[i])) < 1e-6);
  }
  const z = tf.randomNormal([2, 100], 0, 1, "float32", 3) as tf.Tensor2D;
  const fromTrainer = t.generator.generate(z);
  const fromEma = tf.tidy(() => ema.apply(z, { training: false }));
  assert.deepEqual(Array.from(fromTrainer.dataSync()), Array.from(fromEma.dataSync()));
  tf.dispose([z, fromTrainer, fromEma]);
  t.dispose();
});

Deno.test("the EMA weights are saved in checkpoints and restored", async () => {
  const config = smallConfig("mlp", { emaDecay: 0.5 });
  const t = new GanTrainer(config);
  const x = realBatch();
  await t.trainStep(x, 1, 0);
  x.dispose();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ema-")), "c.ckpt");
  await saveCheckpoint(file, t.meta(), t.stateTensors());
  assert.ok(t.stateTensors().has("Gema/fc1.weight"));
  const u = new GanTrainer(config);
  u.restore(loadCheckpoint<TrainerMeta>(file), file);
  const name = "fc1.weight";
  assert.deepEqual(
    values(u.generator.ema!.store.params.get(name)!),
    values(t.generator.ema!.store.params.get(name)!),
  );
  assert.notDeepEqual(
    values(u.generator.ema!.store.params.get(name)!),
    values(u.generator.network.store.params.get(name)!),
  );
  t.dispose();
  u.dispose();
});

Deno.test("a config saved before the variants existed loads with the report's BCE and no EMA", () => {
  const old = defaultTrainConfig("mlp") as Partial<TrainConfig>;
  for (const k of ["loss", "wganClip", "gpWeight", "emaDecay"] as const) delete old[k];
  const config = withTrainDefaults(old as TrainConfig);
  assert.equal(config.loss, "bce");
  assert.equal(config.emaDecay, 0);
  assert.equal(config.gpWeight, 10);
});

Deno.test("a StyleGAN config saved before the EMA ramp-up existed loads without it", () => {
  const old = defaultTrainConfig("stylegan") as Partial<TrainConfig>;
  assert.equal(old.emaRampup, 0.05); // the recipe's now
  delete old.emaRampup;
  assert.equal(withTrainDefaults(old as TrainConfig).emaRampup, 0);
});

Deno.test("the EMA's half-life ramps up with the steps trained and stops at the decay's", () => {
  const c = defaultTrainConfig("stylegan");
  assert.equal(emaDecayAt(c, 1000), Math.pow(0.5, 1 / 50)); // half-life 5% of 1,000 steps
  assert.equal(emaDecayAt(c, 20000), 0.999); // 5% of 20,000 is past 0.999's 693
  assert.ok(emaDecayAt(c, 0) < 1e-5); // the first update copies G
  assert.equal(emaDecayAt({ ...c, emaRampup: 0 }, 1000), 0.999);
  assert.equal(emaDecayAt({ ...c, emaDecay: 0 }, 1000), 0);
});

Deno.test("with a ramp-up the EMA copy follows G closely early on", async () => {
  const fixed = new GanTrainer(smallConfig("mlp", { emaDecay: 0.999 }));
  const ramped = new GanTrainer(smallConfig("mlp", { emaDecay: 0.999, emaRampup: 0.05 }));
  const distance = (t: GanTrainer) => {
    const name = "fc1.weight";
    const [a, b] = [t.generator.ema!, t.generator.network].map((n) =>
      values(n.store.params.get(name)!)
    );
    return a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0);
  };
  for (const t of [fixed, ramped]) {
    for (let i = 0; i < 3; i++) {
      const x = realBatch();
      await t.trainStep(x, 1, 0);
      x.dispose();
    }
  }
  assert.ok(distance(ramped) < 0.01 * distance(fixed), `${distance(ramped)} vs ${distance(fixed)}`);
  fixed.dispose();
  ramped.dispose();
});

Deno.test("a run's label names what differs from its model's recipe, the EMA ramp-up included", () => {
  assert.equal(configLabel(defaultTrainConfig("stylegan")), "StyleGAN2 (5.3)");
  assert.equal(
    configLabel({ ...defaultTrainConfig("stylegan"), emaRampup: 0 }),
    "StyleGAN2 (5.3), no EMA ramp-up",
  );
  assert.equal(
    configLabel({ ...defaultTrainConfig("dcgan"), loss: "hinge", emaDecay: 0.999 }),
    "DCGAN (A.2), hinge loss, EMA 0.999",
  );
});

Deno.test("an EMA decay outside [0, 1) and an unknown loss are refused", () => {
  assert.throws(
    () => new GanTrainer(smallConfig("mlp", { emaDecay: 1 })),
    /emaDecay must be in \[0, 1\)/,
  );
  assert.throws(
    () => new GanTrainer(smallConfig("mlp", { loss: "mse" as TrainConfig["loss"] })),
    /unknown loss 'mse'/,
  );
});

Deno.test("spectral normalisation brings each D weight's largest singular value to 1", () => {
  const config = smallConfig("dcgan", {
    model: { ...smallConfig("dcgan").model, spectralNorm: true },
  });
  const t = new GanTrainer(config);
  const x = realBatch();
  // power iteration converges over training-mode forward passes
  for (let i = 0; i < 30; i++) {
    tf.tidy(() => t.discriminator.apply(x, { training: true, rng: t.rng }));
  }
  const D = t.discriminator.store;
  for (const i of [1, 2, 3, 4]) {
    const w = D.params.get(`conv${i}.weight`)!;
    const u = D.buffers.get(`conv${i}.sn_u`)!;
    const out = w.shape.at(-1)!;
    const normalisedW = tf.tidy(() =>
      tf.reshape(spectralNormalise(w, u, { training: false }), [-1, out]).arraySync() as number[][]
    );
    const sigma = new SingularValueDecomposition(new Matrix(normalisedW)).diagonal[0];
    assert.ok(Math.abs(sigma - 1) < 0.02, `conv${i}: largest singular value ${sigma}`);
  }
  x.dispose();
  t.dispose();
});

for (const kind of ["mlp", "dcgan"] as const) {
  Deno.test(`${kind} with spectral normalisation trains, keeps the tensor count and checkpoints u`, async () => {
    const base = smallConfig(kind);
    const t = new GanTrainer({ ...base, model: { ...base.model, spectralNorm: true } });
    const x = realBatch();
    await t.trainStep(x, 1, 0);
    const count = tf.memory().numTensors;
    for (let i = 1; i < 4; i++) assert.ok(Number.isFinite((await t.trainStep(x, 1, i)).dLoss));
    assert.equal(tf.memory().numTensors, count);
    const names = [...t.stateTensors().keys()].filter((n) => n.endsWith(".sn_u"));
    assert.equal(names.length, 4);
    assert.ok(names.every((n) => n.startsWith("D/")));
    x.dispose();
    t.dispose();
  });
}
