/**
 * Seeded randomness in one place: data shuffling, weight initialisation, latent noise and
 * dropout masks all draw from {@link Rng}, so a run with the same seed is reproducible on one
 * backend, and the generator's whole state (four 32-bit words) fits in a checkpoint.
 *
 * The generator is xoshiro128** (Blackman & Vigna), seeded through splitmix32. It is written
 * here rather than taken from npm because its state must be saved and restored exactly, and the
 * whole algorithm is a dozen lines.
 *
 * @module
 */

/** The serialisable state of an {@link Rng}: four unsigned 32-bit words. */
export type RngState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Mixes a seed with stream names or numbers into one 32-bit seed, so independent streams
 * (e.g. `deriveSeed(seed, "data", epoch)`) never share a sequence.
 */
export function deriveSeed(seed: number, ...stream: (string | number)[]): number {
  let h = (seed >>> 0) ^ 0x811c9dc5;
  const text = stream.join("/");
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  }
  return splitmix32(h)();
}

/** A seeded pseudo-random generator (xoshiro128**) with exportable state. */
export class Rng {
  #s: Uint32Array = new Uint32Array(4);

  /** Creates a generator from a 32-bit integer seed. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng seed must be a finite number, got ${seed}`);
    const next = splitmix32(Math.floor(seed));
    for (let i = 0; i < 4; i++) this.#s[i] = next();
  }

  /** Recreates a generator from {@link Rng.state}. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.state = state;
    return rng;
  }

  /** The current state; setting it resumes the sequence exactly. */
  get state(): RngState {
    return [this.#s[0], this.#s[1], this.#s[2], this.#s[3]];
  }
  set state(state: RngState) {
    if (!Array.isArray(state) || state.length !== 4 || state.every((w) => w === 0)) {
      throw new Error(`invalid Rng state ${JSON.stringify(state)}: expected 4 words, not all 0`);
    }
    for (let i = 0; i < 4; i++) this.#s[i] = state[i] >>> 0;
  }

  /** The next unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A float uniform in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fills `out` with uniform floats in [lo, hi). */
  fillUniform(out: Float32Array, lo = 0, hi = 1): Float32Array {
    const span = hi - lo;
    for (let i = 0; i < out.length; i++) out[i] = lo + span * this.next();
    return out;
  }

  /** Fills `out` with normal samples (Box-Muller, both values of each pair used). */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i += 2) {
      const u1 = 1 - this.next(); // (0, 1]: log stays finite
      const u2 = this.next();
      const r = Math.sqrt(-2 * Math.log(u1)) * std;
      out[i] = mean + r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < out.length) out[i + 1] = mean + r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
