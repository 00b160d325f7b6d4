// The linear recurrence h_t = a_t ⊙ h_{t−1} + b_t (minGRU, minLSTM) as a parallel scan over time.
// A step is the affine map h ↦ a·h + b, and composing maps is associative (earlier (a, b), later
// (a′, b′): (a·a′, a′·b + b′)), so Hillis–Steele needs ⌈log2 T⌉ passes over the whole [B, T, N]
// instead of T dependent launches: pass r composes each step's window with the one 2^r steps
// earlier (later, in reverse), and the edge composes with the identity (1, 0), i.e. stays.
//
// The pair (A, B) of every element lives in one doubled float texture [2, B, T, N] (A half, then
// B half), so a pass is one kernel: vec4 texels would halve the fetches but gpu.js's CPU fallback
// cannot carry them between kernels. h0 is folded into the first step's b (b ← a·h0 + b), so the
// scanned B is already h and the last pass writes only that half. Shift and direction are
// uniforms: every pass of both directions is the same compiled program, fed its predecessor's
// output, and nothing is read back between passes.
import { release, type Engine, type Storage } from './engine.js';
import { floorDiv } from './index-math.js';

interface ScanSizes {
  /** Elements in one half: B·T·N. */
  readonly L: number;
  readonly T: number;
  readonly N: number;
}

const constants = (s: ScanSizes): Record<string, number> => ({ L: s.L, T: s.T, F: s.N });

// Element j of a half → time step t, and the partner's step tp = t − dir·shift.
const step = `${floorDiv('row', 'j', 'this.constants.F')}
        ${floorDiv('bt', 'row', 'this.constants.T')}
        const t = row - bt * this.constants.T;
        const tp = t - dir * shift;`;

/** a, b: [B, T, N], h0: [B, N] → (A, B): [2, B, T, N] with A = a, B = b and h0 folded into step `first` */
function seed(e: Engine, a: Storage, b: Storage, h0: Storage, s: ScanSizes, first: number): Storage {
  return e.run(
    {
      key: `scan-seed:${s.L}:${s.T}:${s.N}`,
      size: 2 * s.L,
      constants: constants(s),
      source: `function (a, b, h0, first) {
        const i = this.thread.x;
        if (i < this.constants.L) { return a[i]; }
        const j = i - this.constants.L;
        ${floorDiv('row', 'j', 'this.constants.F')}
        ${floorDiv('bt', 'row', 'this.constants.T')}
        const t = row - bt * this.constants.T;
        if (Math.abs(t - first) < 0.5) { return a[j] * h0[bt * this.constants.F + (j - row * this.constants.F)] + b[j]; }
        return b[j];
      }`,
    },
    [a, b, h0, first],
  );
}

/** (A, B): [2, B, T, N] → the same with every window composed with the one `shift` steps before it */
function pass(e: Engine, ab: Storage, s: ScanSizes, shift: number, dir: number): Storage {
  return e.run(
    {
      key: `scan-pass:${s.L}:${s.T}:${s.N}`,
      size: 2 * s.L,
      constants: constants(s),
      source: `function (ab, shift, dir) {
        const i = this.thread.x;
        let j = i;
        if (i >= this.constants.L) { j = i - this.constants.L; }
        ${step}
        if (tp < 0 || tp > this.constants.T - 1) { return ab[i]; }
        const jp = j - dir * shift * this.constants.F;
        if (i < this.constants.L) { return ab[j] * ab[jp]; }
        return ab[j] * ab[this.constants.L + jp] + ab[i];
      }`,
    },
    [ab, shift, dir],
  );
}

/** The last pass, B half only: (A, B): [2, B, T, N] → h: [B, T, N] */
function last(e: Engine, ab: Storage, s: ScanSizes, shift: number, dir: number): Storage {
  return e.run(
    {
      key: `scan-last:${s.L}:${s.T}:${s.N}`,
      size: s.L,
      constants: constants(s),
      source: `function (ab, shift, dir) {
        const j = this.thread.x;
        ${step}
        if (tp < 0 || tp > this.constants.T - 1) { return ab[this.constants.L + j]; }
        return ab[j] * ab[this.constants.L + j - dir * shift * this.constants.F] + ab[this.constants.L + j];
      }`,
    },
    [ab, shift, dir],
  );
}

/** a, b: [B, T, N], h0: [B, N] → h: [B, T, N]; B·T·N > 0 */
export function linearScan(e: Engine, a: Storage, b: Storage, h0: Storage, B: number, T: number, N: number, reverse: boolean): Storage {
  const s: ScanSizes = { L: B * T * N, T, N };
  const dir = reverse ? -1 : 1;
  // One pass even at T = 1 (its partner is out of range): the last pass is what drops the A half.
  let passes = 1;
  while (2 ** passes < T) passes++;
  let ab = seed(e, a, b, h0, s, reverse ? T - 1 : 0);
  for (let r = 0; r < passes - 1; r++) {
    const next = pass(e, ab, s, 2 ** r, dir);
    release(ab);
    ab = next;
  }
  const h = last(e, ab, s, 2 ** (passes - 1), dir);
  release(ab);
  return h;
}
