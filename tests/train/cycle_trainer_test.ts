import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  type Checkpoint,
  type CycleConfig,
  type CycleMeta,
  CycleTrainer,
  defaultCycleConfig,
  initBackend,
  OptionError,
  type StoredTensor,
} from "../../lib/mod.ts";

await initBackend({ backend: "wasm" });

/** Sneaker <-> ankle boot with tiny networks, batch 2, a pool of 3. */
function tinyConfig(): CycleConfig {
  const c = defaultCycleConfig(7, 9);
  return { ...c, batchSize: 2, poolSize: 3, model: { ...c.model, ngf: 4, ndf: 4, resBlocks: 1 } };
}

const batch = (seed: number) =>
  tf.randomUniform([2, 28, 28, 1], -1, 1, "float32", seed) as tf.Tensor4D;

/** The trainer's state as a loaded checkpoint holds it (plain copies). */
async function saved(t: CycleTrainer): Promise<Checkpoint<CycleMeta>> {
  const tensors = new Map<string, StoredTensor>();
  for (const [name, v] of t.stateTensors()) {
    tensors.set(name, { shape: v.shape, data: (await v.data() as Float32Array).slice() });
    if (name.startsWith("pool")) v.dispose(); // the pools' tensors are made for the checkpoint
  }
  return { meta: structuredClone(t.meta()), tensors };
}

Deno.test("a CycleGAN step moves all four networks and keeps the tensor count flat", async () => {
  const t = new CycleTrainer(tinyConfig());
  const before = new Map(
    [...t.optG.variables, ...t.optD.variables].map(([n, v]) => [n, v.dataSync().slice()]),
  );
  const [a, b] = [batch(1), batch(2)];
  const r = await t.trainStep(a, b);
  assert.equal(r.step, 1);
  for (const k of ["gLoss", "adversarial", "cycle", "identity", "dA", "dB"] as const) {
    assert.ok(Number.isFinite(r[k]) && r[k] > 0, `${k} ${r[k]}`);
  }
  assert.ok(Math.abs(r.gLoss - (r.adversarial + 10 * r.cycle + 5 * r.identity)) < 1e-4);
  const unmoved = [...t.optG.variables, ...t.optD.variables].filter(([n, v]) =>
    v.dataSync().every((x, i) => x === before.get(n)![i])
  ).map(([n]) => n);
  assert.deepEqual(unmoved, []);
  const count = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await t.trainStep(a, b);
  assert.equal(tf.memory().numTensors, count);
  assert.equal(t.poolA.size, 3);
  tf.dispose([a, b]);
  t.dispose();
});

Deno.test("a restored CycleGAN trainer takes the very step the original takes", async () => {
  const t = new CycleTrainer(tinyConfig());
  const [a, b] = [batch(3), batch(4)];
  for (let i = 0; i < 3; i++) await t.trainStep(a, b); // the pools are full: draws matter
  const ckpt = await saved(t);
  const copy = new CycleTrainer(tinyConfig());
  copy.restore(ckpt, "test");
  const [next, again] = [await t.trainStep(a, b), await copy.trainStep(a, b)];
  assert.deepEqual(again, next);
  tf.dispose([a, b]);
  t.dispose();
  copy.dispose();
});

Deno.test("with a class weight, a classifier learns A from B and its loss trains the generators", async () => {
  const t = new CycleTrainer({ ...tinyConfig(), classWeight: 1 });
  assert.ok(t.nets.C);
  const cBefore = [...t.nets.C.store.params.values()].map((v) => v.dataSync().slice());
  const [a, b] = [batch(5), batch(6)];
  const r = await t.trainStep(a, b);
  // at init C's logits are about 0: each of its two BCE terms is about ln 2
  assert.ok(Math.abs(r.classification - 2 * Math.LN2) < 0.1, `classification ${r.classification}`);
  assert.ok(Math.abs(r.dC - 2 * Math.LN2) < 0.1, `dC ${r.dC}`);
  assert.ok(
    Math.abs(r.gLoss - (r.adversarial + 10 * r.cycle + 5 * r.identity + r.classification)) < 1e-4,
  );
  const moved = [...t.nets.C.store.params.values()].filter((v, i) =>
    v.dataSync().some((x, j) => x !== cBefore[i][j])
  );
  assert.equal(moved.length, cBefore.length, "every parameter of C moves");
  const count = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await t.trainStep(a, b);
  assert.equal(tf.memory().numTensors, count);
  // C is part of the state: a restored trainer takes the very next step
  const ckpt = await saved(t);
  assert.ok([...ckpt.tensors.keys()].some((k) => k.startsWith("C/")));
  const copy = new CycleTrainer({ ...tinyConfig(), classWeight: 1 });
  copy.restore(ckpt, "test");
  assert.deepEqual(await copy.trainStep(a, b), await t.trainStep(a, b));
  tf.dispose([a, b]);
  t.dispose();
  copy.dispose();
});

Deno.test("a config saved before the class weight trains as CycleGAN did, without a classifier", async () => {
  const old = { ...tinyConfig() } as Partial<CycleConfig>;
  delete old.classWeight;
  const t = new CycleTrainer(old as CycleConfig);
  assert.equal(t.config.classWeight, 0);
  assert.equal(t.nets.C, undefined);
  const state = t.stateTensors();
  assert.ok(![...state.keys()].some((k) => k.startsWith("C/")));
  tf.dispose([state.get("poolA")!, state.get("poolB")!]); // made for the checkpoint
  // the classifier is drawn after the four networks: they start from the same weights
  const withC = new CycleTrainer({ ...tinyConfig(), classWeight: 1 });
  for (const [name, v] of t.optG.variables) {
    assert.deepEqual(v.dataSync(), withC.optG.variables.get(name)!.dataSync(), name);
  }
  const [a, b] = [batch(7), batch(8)];
  const r = await t.trainStep(a, b);
  assert.deepEqual([r.classification, r.dC], [0, 0]);
  tf.dispose([a, b]);
  t.dispose();
  withC.dispose();
});

Deno.test("translating a class into itself is refused, naming both options", () => {
  assert.throws(() => new CycleTrainer({ ...tinyConfig(), to: 7 }), OptionError);
  assert.throws(() => new CycleTrainer({ ...tinyConfig(), to: 7 }), /from and to are both class 7/);
});
