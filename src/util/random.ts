/**
 * A small seeded random generator (xoshiro128**) whose whole state is four
 * 32-bit words, so a training run can save it in a checkpoint and resume with
 * exactly the same stream. TF.js's own random ops draw from an unseeded
 * source when no seed is given; all randomness of training (weight
 * initialisation, noise, dropout masks, batch sampling) comes from here
 * instead, which makes runs repeatable on every backend.
 */

/** Saved state of a {@link Random}: four unsigned 32-bit words. */
export type RandomState = [number, number, number, number];

const TWO_POW_32 = 4294967296;

/**
 * A faster loop for {@link Random.fillDropoutMask} giving the same numbers:
 * fills `out` from the generator whose four words are in `state`, advancing
 * them in place. The native backend installs one; see
 * {@link setDropoutMaskFill}.
 */
export type DropoutMaskFill = (
  out: Float32Array,
  state: Uint32Array,
  threshold: number,
  keep: number,
) => void;

let dropoutMaskFill: DropoutMaskFill | undefined;

/** Installs (or with `undefined` removes) the faster dropout-mask loop. */
export function setDropoutMaskFill(fill: DropoutMaskFill | undefined): void {
  dropoutMaskFill = fill;
}

/**
 * A faster loop for {@link Random.fillNormal}: fills `out` from the
 * generator whose four words are in `state`, advancing them in place, with
 * the same draws and the same double arithmetic. Its logarithm, cosine and
 * sine may differ from Math's in the last bit of a double, which survives
 * the rounding to float32 only rarely. See {@link setNormalFill}.
 */
export type NormalFill = (
  out: Float32Array,
  state: Uint32Array,
  mean: number,
  std: number,
) => void;

let normalFill: NormalFill | undefined;

/** Installs (or with `undefined` removes) the faster normal-value loop. */
export function setNormalFill(fill: NormalFill | undefined): void {
  normalFill = fill;
}

/** Below this many values the JavaScript loop is as quick as a native call. */
const NATIVE_FILL_MIN = 4096;

function splitMix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Seeds the generator; equal seeds give equal streams. */
  constructor(seed: number) {
    const next = splitMix32(seed);
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator continuing exactly from `state`. */
  static fromState(state: RandomState): Random {
    if (
      !Array.isArray(state) ||
      state.length !== 4 ||
      state.some((w) => !Number.isInteger(w))
    ) {
      throw new Error(
        `Random.fromState: expected four 32-bit words, got ${JSON.stringify(state)}`,
      );
    }
    const random = new Random(0);
    [random.s0, random.s1, random.s2, random.s3] = state.map((w) => w >>> 0);
    return random;
  }

  /** The current state, to be passed to {@link Random.fromState}. */
  state(): RandomState {
    // The words are kept as signed or unsigned 32-bit numbers depending on
    // the last operation; the saved form is always unsigned.
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Fills `out` with normal values (Box-Muller), mean `mean`, std `std`. */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    if (normalFill !== undefined && out.length >= NATIVE_FILL_MIN) {
      this.advanceNatively((words) => normalFill?.(out, words, mean, std));
      return out;
    }
    for (let i = 0; i < out.length; i += 2) {
      // 1 - u keeps the logarithm finite: u lies in [0, 1).
      const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
      const angle = 2 * Math.PI * this.uniform();
      out[i] = mean + std * radius * Math.cos(angle);
      if (i + 1 < out.length) out[i + 1] = mean + std * radius * Math.sin(angle);
    }
    return out;
  }

  /** Fills `out` with uniform values in [low, high). */
  fillUniform(out: Float32Array, low = 0, high = 1): Float32Array {
    const span = high - low;
    for (let i = 0; i < out.length; i++) out[i] = low + span * this.uniform();
    return out;
  }

  /**
   * Fills `out` with an inverted-dropout mask: 0 with probability `rate`,
   * else 1 / (1 - rate), so the expected activation is unchanged.
   */
  fillDropoutMask(out: Float32Array, rate: number): Float32Array {
    const threshold = rate * TWO_POW_32;
    const keep = 1 / (1 - rate);
    if (dropoutMaskFill !== undefined && out.length >= NATIVE_FILL_MIN) {
      this.advanceNatively((words) => dropoutMaskFill?.(out, words, threshold, keep));
      return out;
    }
    // nextUint32() inlined with the state in locals: a GAN step draws about
    // 700k mask values, and the property traffic made this loop 13 ms of it.
    // The arithmetic is nextUint32()'s, so the stream is unchanged.
    let [s0, s1, s2, s3] = [this.s0, this.s1, this.s2, this.s3];
    for (let i = 0; i < out.length; i++) {
      const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      out[i] = result < threshold ? 0 : keep;
    }
    [this.s0, this.s1, this.s2, this.s3] = [s0, s1, s2, s3];
    return out;
  }

  /**
   * Runs a native loop on a copy of the four state words, which it advances
   * in place, and continues from where it left them.
   */
  private advanceNatively(loop: (words: Uint32Array) => void): void {
    const words = Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
    loop(words);
    [this.s0, this.s1, this.s2, this.s3] = words;
  }

  /** Shuffles `array` in place (Fisher-Yates). */
  shuffle<T>(array: T[] | Int32Array | Uint32Array): void {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const swap = array[i];
      array[i] = array[j];
      array[j] = swap;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
