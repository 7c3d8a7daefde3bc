import assert from "node:assert/strict";
import { Matrix } from "ml-matrix";
import {
  classCoverage,
  fid,
  fitGaussian,
  frechetDistance,
  type Gaussian,
  inceptionScore,
  initBackend,
  kthNeighbourRadii,
  nearestDistances,
  precisionRecall,
  Rng,
  sqrtPsd,
} from "../../lib/mod.ts";

await initBackend({ backend: "wasm" });

function gaussian(mean: number[], cov: number[][]): Gaussian {
  return { dim: mean.length, mean: Float64Array.from(mean), cov: Float64Array.from(cov.flat()) };
}

/** Q diag(values) Q^T for the rotation Q by `angle` in the (0, 1) plane of a 3-d space. */
function rotated(values: number[], angle: number): number[][] {
  const c = Math.cos(angle), s = Math.sin(angle);
  const q = new Matrix([[c, -s, 0], [s, c, 0], [0, 0, 1]]);
  return q.clone().mulRowVector(values).mmul(q.transpose()).to2DArray();
}

function normalRows(rng: Rng, n: number, dim: number, shift = 0, scale = 1): Float32Array {
  return rng.fillNormal(new Float32Array(n * dim)).map((v) => v * scale + shift);
}

Deno.test("the Fréchet distance of a Gaussian to itself is 0", () => {
  const g = gaussian([1, -2, 3], rotated([4, 1, 0.25], 0.7));
  assert.ok(Math.abs(frechetDistance(g, g)) < 1e-9);
});

Deno.test("the Fréchet distance of diagonal Gaussians is |dm|^2 + sum (sqrt a - sqrt b)^2", () => {
  const a = gaussian([0, 0, 0], [[4, 0, 0], [0, 9, 0], [0, 0, 1]]);
  const b = gaussian([1, 2, -2], [[1, 0, 0], [0, 1, 0], [0, 0, 16]]);
  const expected = (1 + 4 + 4) + ((2 - 1) ** 2 + (3 - 1) ** 2 + (1 - 4) ** 2);
  assert.ok(Math.abs(frechetDistance(a, b) - expected) < 1e-9);
});

Deno.test("the Fréchet distance against the identity matches d + tr S - 2 tr sqrt S for a rotated S", () => {
  // S = Q diag(4, 9, 1/4) Q^T has tr S = 13.25 and tr sqrt(S) = 2 + 3 + 0.5 = 5.5
  const identity = gaussian([0, 0, 0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  const s = gaussian([0, 0, 0], rotated([4, 9, 0.25], 1.1));
  const expected = 3 + 13.25 - 2 * 5.5;
  assert.ok(Math.abs(frechetDistance(identity, s) - expected) < 1e-9);
  assert.ok(Math.abs(frechetDistance(s, identity) - expected) < 1e-9);
});

Deno.test("the Fréchet distance of commuting covariances is tr (sqrt S1 - sqrt S2)^2", () => {
  // same eigenvectors: the distance reduces to the eigenvalue formula
  const a = gaussian([0, 0, 0], rotated([1, 4, 9], 0.3));
  const b = gaussian([0, 0, 0], rotated([9, 1, 4], 0.3));
  const expected = (1 - 3) ** 2 + (2 - 1) ** 2 + (3 - 2) ** 2;
  assert.ok(Math.abs(frechetDistance(a, b) - expected) < 1e-9);
});

Deno.test("the PSD square root squares back to its matrix", () => {
  const m = new Matrix(rotated([2, 5, 0.5], 0.4));
  const r = sqrtPsd(m);
  const back = r.mmul(r);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      assert.ok(Math.abs(back.get(i, j) - m.get(i, j)) < 1e-12);
    }
  }
});

Deno.test("a Gaussian fit uses the unbiased covariance, as numpy.cov", () => {
  const g = fitGaussian([1, 2, 3, 6, 5, 4], 2); // rows (1,2), (3,6), (5,4)
  assert.deepEqual([...g.mean], [3, 4]);
  assert.deepEqual([...g.cov], [4, 2, 2, 4]);
});

Deno.test("FID of samples from one distribution is near 0, and grows with a mean shift", async () => {
  const rng = new Rng(1);
  const a = normalRows(rng, 4000, 8), b = normalRows(rng, 4000, 8);
  const same = await fid(a, b, 8);
  assert.ok(same < 0.05, `same distribution: ${same}`);
  const shifted = await fid(a, normalRows(rng, 4000, 8, 1), 8); // |dm|^2 = 8
  assert.ok(Math.abs(shifted - 8) < 0.4, `shifted: ${shifted}`);
});

Deno.test("the Inception-Score analogue lies between 1 and the number of classes", () => {
  const uniform = new Float32Array(50 * 10).fill(0.1);
  assert.ok(Math.abs(inceptionScore(uniform) - 1) < 1e-6);
  const oneHot = new Float32Array(50 * 10);
  for (let i = 0; i < 50; i++) oneHot[i * 10 + (i % 10)] = 1;
  assert.ok(Math.abs(inceptionScore(oneHot) - 10) < 1e-6);
  const collapsed = new Float32Array(50 * 10);
  for (let i = 0; i < 50; i++) collapsed[i * 10 + 3] = 1;
  assert.ok(Math.abs(inceptionScore(collapsed) - 1) < 1e-6);
  const rng = new Rng(2);
  const soft = rng.fillUniform(new Float32Array(200 * 10));
  for (let i = 0; i < 200; i++) {
    const row = soft.subarray(i * 10, i * 10 + 10);
    const s = row.reduce((a, b) => a + b, 0);
    row.forEach((v, j) => (row[j] = v / s));
  }
  const score = inceptionScore(soft);
  assert.ok(score > 1 && score < 10, `random: ${score}`);
});

Deno.test("class coverage of a single-class set has zero entropy and a zero least share", () => {
  const probs = new Float32Array(30 * 10);
  for (let i = 0; i < 30; i++) (probs[i * 10 + 7] = 0.8, probs[i * 10 + 2] = 0.2);
  const c = classCoverage(probs);
  assert.equal(c.shares[7], 1);
  assert.equal(c.entropy, 0);
  assert.equal(c.minShare, 0);
  assert.ok(Math.abs(c.meanConfidence - 0.8) < 1e-6);
});

Deno.test("class coverage of a balanced set has entropy ln 10 and least share 0.1", () => {
  const probs = new Float32Array(100 * 10);
  for (let i = 0; i < 100; i++) probs[i * 10 + (i % 10)] = 1;
  const c = classCoverage(probs);
  assert.ok(Math.abs(c.entropy - Math.log(10)) < 1e-12);
  assert.ok(Math.abs(c.minShare - 0.1) < 1e-12);
});

Deno.test("precision and recall of a set with itself are 1", async () => {
  const x = normalRows(new Rng(3), 300, 16);
  assert.deepEqual(await precisionRecall(x, x, 16), { precision: 1, recall: 1 });
});

Deno.test("precision drops for samples off the real manifold, recall for a collapsed set", async () => {
  const rng = new Rng(4);
  const real = normalRows(rng, 400, 4);
  const far = normalRows(rng, 400, 4, 20);
  assert.equal((await precisionRecall(real, far, 4)).precision, 0);
  // 400 copies of nearly one point: inside the real manifold, but covering little of it
  const point = normalRows(rng, 1, 4);
  const jitter = normalRows(rng, 400, 4, 0, 1e-3);
  const collapsed = jitter.map((v, i) => point[i % 4] + v);
  const pr = await precisionRecall(real, collapsed, 4);
  assert.ok(pr.precision > 0.9, `precision ${pr.precision}`);
  assert.ok(pr.recall < 0.05, `recall ${pr.recall}`);
});

Deno.test("the k-th neighbour radius counts the row itself as its nearest", async () => {
  // points on a line at 0, 1, 3, 6: 1st neighbours at 1, 1, 2, 3
  const x = Float32Array.from([0, 1, 3, 6]);
  assert.deepEqual([...(await kthNeighbourRadii(x, 1, 1))], [1, 1, 4, 9]);
  assert.deepEqual([...(await kthNeighbourRadii(x, 1, 2))], [9, 4, 9, 25]);
});

Deno.test("nearest distances find the closest reference row", async () => {
  const queries = Float32Array.from([0, 0, 10, 10]);
  const reference = Float32Array.from([3, 4, 9, 10, -1, 0]);
  const d = await nearestDistances(queries, reference, 2);
  assert.ok(Math.abs(d[0] - 1) < 1e-4 && Math.abs(d[1] - 1) < 1e-4);
});
