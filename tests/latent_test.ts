import assert from "node:assert/strict";
import { lerp, linspace, randomWalk, Rng, slerp, sweepDimension } from "../lib/mod.ts";

const close = (a: number, b: number) => Math.abs(a - b) < 1e-5;

Deno.test("a dimension sweep changes only that dimension", () => {
  const base = Float32Array.from({ length: 5 }, (_, i) => i);
  const z = sweepDimension(base, 3, [-1, 0, 2]);
  assert.deepEqual(Array.from(z), [0, 1, 2, -1, 4, 0, 1, 2, 0, 4, 0, 1, 2, 2, 4]);
  assert.throws(() => sweepDimension(base, 5, [0]), /dimension 5 is outside 0\.\.4/);
});

Deno.test("linspace includes both ends", () => {
  assert.deepEqual(linspace(-3, 3, 5), [-3, -1.5, 0, 1.5, 3]);
  assert.deepEqual(linspace(2, 9, 1), [2]);
});

Deno.test("lerp and slerp start at a and end at b", () => {
  const a = Float32Array.of(1, 0, 0), b = Float32Array.of(0, 2, 0);
  for (const path of [lerp(a, b, 4), slerp(a, b, 4)]) {
    assert.equal(path.length, 12);
    assert.ok([0, 1, 2].every((d) => close(path[d], a[d]) && close(path[9 + d], b[d])));
  }
});

Deno.test("slerp between equal-norm vectors keeps the norm, lerp does not", () => {
  const a = Float32Array.of(1, 0), b = Float32Array.of(0, 1);
  const norm = (z: Float32Array, i: number) => Math.hypot(z[2 * i], z[2 * i + 1]);
  const s = slerp(a, b, 5), l = lerp(a, b, 5);
  assert.ok(close(norm(s, 2), 1));
  assert.ok(close(norm(l, 2), Math.SQRT1_2));
});

Deno.test("a random walk starts at its start and is reproducible", () => {
  const start = Float32Array.of(1, 2, 3);
  const w1 = randomWalk(start, 4, 0.5, new Rng(1)), w2 = randomWalk(start, 4, 0.5, new Rng(1));
  assert.deepEqual(Array.from(w1.subarray(0, 3)), [1, 2, 3]);
  assert.deepEqual(w1, w2);
  assert.notDeepEqual(Array.from(w1.subarray(3, 6)), [1, 2, 3]);
});

Deno.test("slerp from a zero vector, which has no direction, is lerp", () => {
  const a = new Float32Array(3), b = Float32Array.of(1, 2, 3);
  assert.deepEqual(slerp(a, b, 4), lerp(a, b, 4));
  assert.ok(slerp(a, b, 4).every(Number.isFinite));
});
