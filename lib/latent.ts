/**
 * Walking the latent space (report 4.3, fig 4.5): sweeps of one dimension with the others
 * fixed, linear and spherical interpolation between two points, and a random walk. Every
 * function returns latent vectors as one flat Float32Array, row after row, ready for
 * `Generator.fromLatents`.
 *
 * @module
 */
import type { Rng } from "./random.ts";

/** `base` repeated once per value, with dimension `dim` set to that value (fig 4.5). */
export function sweepDimension(
  base: Float32Array,
  dim: number,
  values: readonly number[],
): Float32Array {
  if (!Number.isInteger(dim) || dim < 0 || dim >= base.length) {
    throw new Error(`sweepDimension: dimension ${dim} is outside 0..${base.length - 1}`);
  }
  const out = new Float32Array(values.length * base.length);
  values.forEach((v, i) => {
    out.set(base, i * base.length);
    out[i * base.length + dim] = v;
  });
  return out;
}

/** `n` evenly spaced values from `lo` to `hi` inclusive. */
export function linspace(lo: number, hi: number, n: number): number[] {
  if (n === 1) return [lo];
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/** `steps` points on the straight line from `a` to `b`, both ends included. */
export function lerp(a: Float32Array, b: Float32Array, steps: number): Float32Array {
  checkPair(a, b);
  const out = new Float32Array(steps * a.length);
  linspace(0, 1, steps).forEach((t, i) => {
    for (let d = 0; d < a.length; d++) out[i * a.length + d] = (1 - t) * a[d] + t * b[d];
  });
  return out;
}

/**
 * `steps` points on the great circle from `a` to `b` (spherical interpolation, White 2016),
 * which keeps the norm typical of Gaussian latents where a straight line passes near the
 * origin; falls back to {@link lerp} for (nearly) parallel vectors and for a zero vector (which
 * has no direction on the sphere).
 */
export function slerp(a: Float32Array, b: Float32Array, steps: number): Float32Array {
  checkPair(a, b);
  const out = new Float32Array(steps * a.length);
  linspace(0, 1, steps).forEach((t, i) => out.set(slerpAt(a, b, t), i * a.length));
  return out;
}

/**
 * The point at fraction `t` of the great circle from `a` to `b` ({@link slerp}'s points; `t`
 * may lie outside [0, 1]), or of the straight line where the circle is undefined.
 */
export function slerpAt(a: Float32Array, b: Float32Array, t: number): Float32Array {
  checkPair(a, b);
  let dot = 0, na = 0, nb = 0;
  for (let d = 0; d < a.length; d++) (dot += a[d] * b[d], na += a[d] * a[d], nb += b[d] * b[d]);
  const omega = Math.acos(Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb))));
  const parallel = !(omega >= 1e-6); // (nearly) parallel, or a zero vector
  const wa = parallel ? 1 - t : Math.sin((1 - t) * omega) / Math.sin(omega);
  const wb = parallel ? t : Math.sin(t * omega) / Math.sin(omega);
  const out = new Float32Array(a.length);
  for (let d = 0; d < a.length; d++) out[d] = wa * a[d] + wb * b[d];
  return out;
}

/**
 * A random walk of `steps` points starting at `start`: each step adds N(0, stepSize^2) noise
 * per dimension.
 */
export function randomWalk(
  start: Float32Array,
  steps: number,
  stepSize: number,
  rng: Rng,
): Float32Array {
  const out = new Float32Array(steps * start.length);
  out.set(start, 0);
  const noise = new Float32Array(start.length);
  for (let i = 1; i < steps; i++) {
    rng.fillNormal(noise, 0, stepSize);
    for (let d = 0; d < start.length; d++) {
      out[i * start.length + d] = out[(i - 1) * start.length + d] + noise[d];
    }
  }
  return out;
}

function checkPair(a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) {
    throw new Error(`latent vectors differ in length: ${a.length} vs ${b.length}`);
  }
}
