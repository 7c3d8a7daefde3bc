/**
 * Sample-quality scores as plain functions from judge outputs (features, class probabilities)
 * to numbers: FID, a classifier Inception-Score analogue, improved precision and recall,
 * class coverage, and nearest-neighbour distances for the memorisation check.
 *
 * Arrays are row-major: `n` rows of `dim` values. The judge that produces them lives in
 * `classifier.ts`; {@link https://arxiv.org/abs/1706.08500 | FID} and
 * {@link https://arxiv.org/abs/1904.06991 | improved precision/recall} are computed here in
 * its feature space, not Inception's.
 *
 * Linear algebra: the matrix square root in FID goes through `ml-matrix`'s symmetric
 * eigendecomposition (the maintained mljs library; its EVD is the JAMA/Mapack tridiagonal QL
 * algorithm, in float64). Pairwise distances run as tfjs matrix products on the backend.
 *
 * @module
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import * as tf from "@tensorflow/tfjs";
import { readTidyAsync } from "../backend/read_tidy.ts";

/** A Gaussian fitted to feature rows: mean and covariance (float64). */
export interface Gaussian {
  /** Dimension. */
  dim: number;
  /** Mean, `[dim]`. */
  mean: Float64Array;
  /** Covariance `[dim, dim]` with the unbiased (n - 1) normaliser, as `numpy.cov`. */
  cov: Float64Array;
}

function checkRows(values: ArrayLike<number>, dim: number, what: string): number {
  if (!Number.isInteger(dim) || dim < 1 || values.length % dim !== 0) {
    throw new Error(`${what}: ${values.length} values are not rows of ${dim}`);
  }
  return values.length / dim;
}

/** Fits a Gaussian to `n` rows of `dim` features (n >= 2). */
export function fitGaussian(features: ArrayLike<number>, dim: number): Gaussian {
  const n = checkRows(features, dim, "fitGaussian");
  if (n < 2) throw new Error(`fitGaussian: needs at least 2 rows, got ${n}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += features[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= n;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) row[j] = features[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      const base = a * dim;
      for (let b = a; b < dim; b++) cov[base + b] += ra * row[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b] / (n - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
  return { dim, mean, cov };
}

function toMatrix(values: Float64Array, dim: number): Matrix {
  const m = new Matrix(dim, dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) m.set(i, j, values[i * dim + j]);
  return m;
}

/** Eigenvalues of the symmetric matrix `m` (negative round-off included). */
function symmetricEigenvalues(m: Matrix): number[] {
  return new EigenvalueDecomposition(m, { assumeSymmetric: true }).realEigenvalues;
}

/** The symmetric positive semi-definite square root of symmetric `m` (eigenvalues clipped at 0). */
export function sqrtPsd(m: Matrix): Matrix {
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const v = evd.eigenvectorMatrix;
  const roots = evd.realEigenvalues.map((l) => Math.sqrt(Math.max(l, 0)));
  // mulRowVector scales in place: scale a copy
  return v.clone().mulRowVector(roots).mmul(v.transpose());
}

/**
 * The Fréchet distance between two Gaussians,
 * |m1 - m2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2).
 *
 * The trace term equals tr((S1 S2)^1/2) of the usual formula but stays within symmetric
 * matrices, so it needs only symmetric eigendecompositions (no complex round-off as with a
 * general `sqrtm`).
 */
export function frechetDistance(a: Gaussian, b: Gaussian): number {
  if (a.dim !== b.dim) throw new Error(`frechetDistance: dimensions ${a.dim} and ${b.dim} differ`);
  const d = a.dim;
  let meanTerm = 0, traceA = 0, traceB = 0;
  for (let i = 0; i < d; i++) {
    meanTerm += (a.mean[i] - b.mean[i]) ** 2;
    traceA += a.cov[i * d + i];
    traceB += b.cov[i * d + i];
  }
  const rootA = sqrtPsd(toMatrix(a.cov, d));
  const inner = rootA.mmul(toMatrix(b.cov, d)).mmul(rootA);
  // symmetrise away round-off before the symmetric solver
  const sym = inner.add(inner.transpose()).mul(0.5);
  const traceRoot = symmetricEigenvalues(sym).reduce((s, l) => s + Math.sqrt(Math.max(l, 0)), 0);
  return Math.max(0, meanTerm + traceA + traceB - 2 * traceRoot);
}

/** FID between two sets of feature rows (`dim` wide). */
export function fid(
  featuresA: ArrayLike<number>,
  featuresB: ArrayLike<number>,
  dim: number,
): number {
  return frechetDistance(fitGaussian(featuresA, dim), fitGaussian(featuresB, dim));
}

/**
 * The Inception-Score analogue with the judge as classifier: exp(E_x KL(p(y|x) || p(y))),
 * p(y) the mean of p(y|x) over the set. 1 when every image gets the same distribution; the
 * number of classes when each image is confidently one class and classes are equally used.
 * Computed over the whole set (no splits).
 */
export function inceptionScore(probs: ArrayLike<number>, classes = 10): number {
  const n = checkRows(probs, classes, "inceptionScore");
  if (n < 1) throw new Error("inceptionScore: no rows");
  const marginal = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < classes; c++) marginal[c] += probs[i * classes + c];
  }
  for (let c = 0; c < classes; c++) marginal[c] /= n;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < classes; c++) {
      const p = probs[i * classes + c];
      if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[c]));
    }
  }
  return Math.exp(kl / n);
}

/** How the judge spreads a set of images over the classes. */
export interface ClassCoverage {
  /** Share of images predicted as each class (argmax), summing to 1. */
  shares: number[];
  /** Entropy of `shares` in nats: ln(10) = 2.303 for a uniform spread, 0 for one class. */
  entropy: number;
  /** The smallest share (0.1 when uniform; near 0 when a mode is lost). */
  minShare: number;
  /** The class with the smallest share. */
  minClass: number;
  /** Mean of the largest class probability (the judge's confidence; "sharpness"). */
  meanConfidence: number;
}

/** Class coverage of a set from its class probabilities. */
export function classCoverage(probs: ArrayLike<number>, classes = 10): ClassCoverage {
  const n = checkRows(probs, classes, "classCoverage");
  if (n < 1) throw new Error("classCoverage: no rows");
  const counts = new Array<number>(classes).fill(0);
  let confidence = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (probs[i * classes + c] > probs[i * classes + best]) best = c;
    }
    counts[best]++;
    confidence += probs[i * classes + best];
  }
  const shares = counts.map((c) => c / n);
  let entropy = 0;
  for (const p of shares) if (p > 0) entropy -= p * Math.log(p);
  let minClass = 0;
  for (let c = 1; c < classes; c++) if (shares[c] < shares[minClass]) minClass = c;
  return { shares, entropy, minShare: shares[minClass], minClass, meanConfidence: confidence / n };
}

/**
 * Calls `visit(rowStart, rows, d2)` with squared Euclidean distances between row blocks of
 * `queries` and all of `reference` (`d2[r * m + j]` for query `rowStart + r` and reference
 * row `j`, clamped at 0), computed as |q|^2 + |r|^2 - 2 q.r with backend matrix products,
 * `blockRows` queries at a time.
 */
export async function forEachDistanceBlock(
  queries: Float32Array,
  reference: Float32Array,
  dim: number,
  visit: (rowStart: number, rows: number, d2: Float32Array) => void,
  blockRows = 512,
): Promise<void> {
  const n = checkRows(queries, dim, "distances (queries)");
  const m = checkRows(reference, dim, "distances (reference)");
  // The reference goes in transposed once, [dim, m], so each block is a plain q @ refT: wasm's
  // BatchMatMul with a transpose flag falls back to a scalar loop ~10x slower than XNNPACK.
  const [refT, refNorms] = tf.tidy(() => {
    const ref = tf.tensor2d(reference, [m, dim]);
    return [tf.transpose(ref), tf.reshape(tf.sum(tf.square(ref), 1), [1, m])];
  });
  try {
    for (let start = 0; start < n; start += blockRows) {
      const rows = Math.min(blockRows, n - start);
      const d2 = await readTidyAsync(() => {
        const q = tf.tensor2d(queries.subarray(start * dim, (start + rows) * dim), [rows, dim]);
        const qNorms = tf.sum(tf.square(q), 1, true);
        const dots = tf.matMul(q, refT);
        return tf.relu(tf.add(tf.sub(qNorms, tf.mul(dots, 2)), refNorms));
      });
      visit(start, rows, d2);
    }
  } finally {
    refT.dispose();
    refNorms.dispose();
  }
}

/** Distance from each row of `queries` to its nearest row of `reference`. */
export async function nearestDistances(
  queries: Float32Array,
  reference: Float32Array,
  dim: number,
): Promise<Float32Array> {
  const m = reference.length / dim;
  const out = new Float32Array(queries.length / dim);
  await forEachDistanceBlock(queries, reference, dim, (start, rows, d2) => {
    for (let r = 0; r < rows; r++) {
      let best = Infinity;
      const base = r * m;
      for (let j = 0; j < m; j++) if (d2[base + j] < best) best = d2[base + j];
      out[start + r] = Math.sqrt(best);
    }
  }, Math.max(1, Math.floor(4_000_000 / m)));
  return out;
}

/**
 * Squared distance from each row to its k-th nearest other row of the same set (the row itself
 * counts as its own nearest, as in the reference implementation, which takes the (k+1)-th
 * smallest distance).
 */
export async function kthNeighbourRadii(
  features: Float32Array,
  dim: number,
  k: number,
): Promise<Float32Array> {
  const n = features.length / dim;
  if (n <= k) throw new Error(`kthNeighbourRadii: needs more than k = ${k} rows, got ${n}`);
  const radii = new Float32Array(n);
  const best = new Float64Array(k + 1);
  await forEachDistanceBlock(features, features, dim, (start, rows, d2) => {
    for (let r = 0; r < rows; r++) {
      best.fill(Infinity);
      const base = r * n;
      for (let j = 0; j < n; j++) {
        const v = j === start + r ? 0 : d2[base + j]; // exact self-distance
        if (v >= best[k]) continue;
        let i = k;
        while (i > 0 && best[i - 1] > v) (best[i] = best[i - 1], i--);
        best[i] = v;
      }
      radii[start + r] = best[k];
    }
  });
  return radii;
}

/** Improved precision and recall. */
export interface PrecisionRecall {
  /** Share of generated samples inside the real manifold (fidelity). */
  precision: number;
  /** Share of real samples inside the generated manifold (diversity). */
  recall: number;
}

/**
 * Improved precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the union
 * of balls around its samples reaching their k-th nearest neighbour; precision is the share of
 * generated samples inside the real manifold, recall the share of real samples inside the
 * generated one. The paper's k = 3 is the default. `realRadii`, when given, are
 * `kthNeighbourRadii(real, dim, k)` computed before (a fixed real set is scored against often).
 */
export async function precisionRecall(
  real: Float32Array,
  fake: Float32Array,
  dim: number,
  k = 3,
  realRadii?: Float32Array,
): Promise<PrecisionRecall> {
  const nReal = checkRows(real, dim, "precisionRecall (real)");
  const nFake = checkRows(fake, dim, "precisionRecall (fake)");
  realRadii ??= await kthNeighbourRadii(real, dim, k);
  const fakeRadii = await kthNeighbourRadii(fake, dim, k);
  let inReal = 0;
  const realCovered = new Uint8Array(nReal);
  await forEachDistanceBlock(fake, real, dim, (start, rows, d2) => {
    for (let r = 0; r < rows; r++) {
      const radius = fakeRadii[start + r];
      const base = r * nReal;
      let inside = false;
      for (let i = 0; i < nReal; i++) {
        const v = d2[base + i];
        if (v <= realRadii[i]) inside = true;
        if (v <= radius) realCovered[i] = 1;
      }
      if (inside) inReal++;
    }
  });
  const covered = realCovered.reduce((s, v) => s + v, 0);
  return { precision: inReal / nFake, recall: covered / nReal };
}
