import { tf } from './tf.js';
import { ConfigError } from './errors.js';

/** Serialisable RNG state: four 32-bit words of xoshiro128**. */
export interface RngState {
  algorithm: 'xoshiro128**';
  words: [number, number, number, number];
}

/**
 * A seeded, forkable random number generator (xoshiro128**), run on the host.
 *
 * Sampling on the host costs the same as tfjs's own `randomNormal` (which also samples on the host)
 * and keeps every draw reproducible and checkpointable, whatever the backend.
 */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number | RngState = 0) {
    if (typeof seed === 'number') {
      // Integers only: seedWords keeps the integer part, so 1.5 would silently be seed 1.
      if (!Number.isSafeInteger(seed) || seed < 0) throw new ConfigError('seed', seed, `an integer in [0, ${Number.MAX_SAFE_INTEGER}]`);
      this.s = seedWords(seed);
    } else {
      if (seed?.algorithm !== 'xoshiro128**' || !Array.isArray(seed.words) || seed.words.length !== 4) {
        throw new ConfigError('rng state', seed, "{algorithm: 'xoshiro128**', words: [4 uint32]}");
      }
      this.s = Uint32Array.from(seed.words);
      if (this.s.every((w) => w === 0)) throw new ConfigError('rng state', seed, 'words that are not all zero');
    }
  }

  /** The state to checkpoint; `Rng.fromState(state)` continues the exact same stream. */
  state(): RngState {
    const [a, b, c, d] = this.s;
    return { algorithm: 'xoshiro128**', words: [a!, b!, c!, d!] };
  }

  static fromState(state: RngState): Rng {
    return new Rng(state);
  }

  /**
   * An independent generator derived from this one's current state and `key` (for example a worker
   * or env index). It does not advance this generator, so `fork(k)` is the same however many forks
   * are made, and different keys give unrelated streams.
   */
  fork(key: number): Rng {
    let h = (key * 0x9e3779b9) >>> 0;
    for (const w of this.s) h = mix32(h ^ w);
    const child = new Rng(0);
    child.s = seedWords(h + key * 4294967296);
    return child;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    let s0 = s[0]!,
      s1 = s[1]!,
      s2 = s[2]!,
      s3 = s[3]!;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
    return result;
  }

  /** Uniform float64 in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new ConfigError('n', n, 'a positive integer');
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal draw (Box-Muller; one of the pair is discarded so the state stays 4 words). */
  normal(): number {
    return this.fillNormal(new Float64Array(1))[0]!;
  }

  /** Fills `out` with N(mean, std²) draws, two per Box-Muller pair. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i += 2) {
      const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
      const u2 = this.uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i] = mean + std * r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < out.length) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * u2);
    }
    return out;
  }

  /** Fills `out` with U(low, high) draws. */
  fillUniform<T extends Float32Array | Float64Array>(out: T, low = 0, high = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.uniform();
    return out;
  }

  /** A float32 tensor of N(mean, std²) draws. */
  normalTensor(shape: number[], mean = 0, std = 1): tf.Tensor {
    return tf.tensor(this.fillNormal(new Float32Array(sizeOf(shape)), mean, std), shape, 'float32');
  }

  /** A float32 tensor of U(low, high) draws. */
  uniformTensor(shape: number[], low = 0, high = 1): tf.Tensor {
    return tf.tensor(this.fillUniform(new Float32Array(sizeOf(shape)), low, high), shape, 'float32');
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

function sizeOf(shape: number[]): number {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ConfigError('shape', shape, 'non-negative integer dimensions');
  }
  return shape.reduce((a, b) => a * b, 1);
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A 32-bit finaliser (murmur3 fmix32). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Expands a number seed into four non-zero words with splitmix32. */
/** Throws ConfigError unless `value` is an Rng (checked by the methods the initialisers use: a plugin may bundle its own copy). */
export function checkRng(key: string, value: unknown): asserts value is Rng {
  if (typeof (value as Rng | undefined)?.uniformTensor !== 'function' || typeof (value as Rng).fillNormal !== 'function') {
    throw new ConfigError(key, value, 'an Rng, e.g. new Rng(seed) (parameters are initialised from it)');
  }
}

function seedWords(seed: number): Uint32Array {
  const low = seed >>> 0;
  const high = Math.floor(seed / 4294967296) >>> 0;
  let x = (low ^ mix32(high + 0x6a09e667)) >>> 0;
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    words[i] = mix32(x);
  }
  if (words.every((w) => w === 0)) words[0] = 1;
  return words;
}
