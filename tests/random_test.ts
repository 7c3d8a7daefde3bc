import assert from "node:assert/strict";
import { deriveSeed, Rng } from "../lib/mod.ts";

Deno.test("the same seed gives the same sequence", () => {
  const a = new Rng(42), b = new Rng(42);
  for (let i = 0; i < 100; i++) assert.deepEqual(a.nextUint32(), b.nextUint32());
});

Deno.test("different seeds give different sequences", () => {
  assert.notEqual(new Rng(1).nextUint32(), new Rng(2).nextUint32());
});

Deno.test("restoring a saved state resumes the sequence exactly", () => {
  const a = new Rng(7);
  for (let i = 0; i < 13; i++) a.next();
  const b = Rng.fromState(a.state);
  for (let i = 0; i < 50; i++) assert.deepEqual(a.next(), b.next());
});

Deno.test("an all-zero state is rejected", () => {
  const rng = new Rng(1);
  assert.throws(() => (rng.state = [0, 0, 0, 0]), /not all 0/);
});

Deno.test("normal samples have mean about 0 and standard deviation about 1", () => {
  const x = new Rng(3).fillNormal(new Float32Array(100_001));
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  const sd = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length);
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(sd - 1) < 0.02, `sd ${sd}`);
});

Deno.test("uniform samples stay in [lo, hi)", () => {
  const x = new Rng(4).fillUniform(new Float32Array(10_000), -2, 3);
  assert.ok(x.every((v) => v >= -2 && v < 3));
});

Deno.test("a permutation contains every index once", () => {
  const p = new Rng(5).permutation(1000);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
});

Deno.test("derived seeds differ by stream and are stable", () => {
  assert.deepEqual(deriveSeed(1, "data", 0), deriveSeed(1, "data", 0));
  assert.notEqual(deriveSeed(1, "data", 0), deriveSeed(1, "data", 1));
  assert.notEqual(deriveSeed(1, "data", 0), deriveSeed(1, "noise", 0));
});
