// One recurrent layer direction (RNN tanh/relu, LSTM, GRU both forms) as gpu.js kernels.
//
// Forward, per layer call:
//   xproj: [B·T, G·H] = x · W_ihᵀ + b_ih            one matmul kernel for all time steps
//   per step t (in processing order):
//     prev: [B, 2H]   (h, c) before step t           tiny gather: previous row of F, or h0/c0
//     hh:   [B, G·H]  W_hh·h_prev + b_hh              the recurrent matmul
//     S_t: [B, S·H] = state(prev, xproj, hh)          ONE fused kernel: all gates + state update
//   then F: [B, T, S·H] = the S_t assembled (a tree of 7-way joins), which backward and the
//   outputs read. S column blocks per cell (RNN: h; LSTM:
//   h c i f g o; GRU reset-after: h r z n hn; GRU reset-before: h r z n).
//   GRU reset-before needs r before W_hn(r⊙h): one more small matmul kernel (hn) per step.
//   (A first version wrote F whole at every step; on llvmpipe that O(T²) copy cost 3× the
//   matmuls, since a software rasteriser pays per fragment.)
//
// Backward, per step in reverse processing order:
//   (GRU reset-before) drh: [B, H] = W_hnᵀ dn_pre          d(r⊙h_prev)
//   D_t: [B, DW] = dgates(F, D_{t+1}, ...)   ONE fused kernel: all gate gradients and dc
//   dhRec: [B, H] = W_hhᵀ dA (matmul) + direct terms (small fused kernel)
//   D: [B, T, DW] holds dIh [G·H] (grad of the ih pre-activation), dHh [G·H] (grad of the hh
//   pre-activation; only for GRU, where the n block differs; otherwise dIh is reused) and
//   dcPrev [H] (LSTM). D is assembled like F; weight gradients are whole-sequence matmuls over it.
//
// Lengths: sample b is valid at t < len_b. Invalid steps write 0 in F (so y is 0 there) and in
// the gate gradients; the carries (dhRec, dcPrev) pass through them unchanged, so padding never
// touches a value or a gradient. Reverse: sample b runs t = len_b−1 … 0; its "previous" step is
// t+1, read only when t+1 < len_b, else h0.
import type { CellSpec } from '@rnnkit/core';
import { release, share, type Engine, type Storage } from './engine.js';
import { matmul, matmulPrepared, prepareRight, releaseRight, columnSum, view } from './matmul.js';
import { floorDiv } from './index-math.js';

export interface RecurrentDims {
  readonly B: number;
  readonly T: number;
  readonly I: number;
  readonly H: number;
  readonly G: number;
}

/** Everything backward needs; every Storage here is owned by the Saved object. */
export interface RecurrentSaved {
  readonly kind: 'recurrent';
  readonly cell: CellSpec;
  readonly dims: RecurrentDims;
  readonly reverse: boolean;
  readonly lens: Float32Array;
  readonly x: Storage;
  readonly wIh: Storage;
  readonly wHh: Storage;
  readonly h0: Storage;
  readonly c0: Storage;
  readonly F: Storage;
}

function stateBlocks(cell: CellSpec): number {
  if (cell.kind === 'rnn') return 1;
  if (cell.kind === 'lstm') return 6;
  return cell.resetAfter ? 5 : 4;
}

const resetBefore = (cell: CellSpec): boolean => cell.kind === 'gru' && !cell.resetAfter;
const splitGrads = (cell: CellSpec): boolean => cell.kind === 'gru';

/** GLSL-safe activations as gpu.js source snippets (clamped so exp never overflows). */
const sig = (v: string): string => `(1 / (1 + Math.exp(-Math.min(Math.max(${v}, -30), 30))))`;
const tanh = (v: string): string => `(1 - 2 / (Math.exp(2 * Math.min(Math.max(${v}, -15), 15)) + 1))`;

function constantsOf(cell: CellSpec, d: RecurrentDims, reverse: boolean): Record<string, number> {
  const GH = d.G * d.H;
  const split = splitGrads(cell);
  const DW = (split ? 2 * GH : GH) + (cell.kind === 'lstm' ? d.H : 0);
  return {
    B: d.B, T: d.T, H: d.H, H2: 2 * d.H, H3: 3 * d.H, GH,
    GR: resetBefore(cell) ? 2 * d.H : GH,
    SW: stateBlocks(cell) * d.H,
    DW, DHH: split ? GH : 0, DCO: split ? 2 * GH : GH,
    DIR: reverse ? -1 : 1,
  };
}

function cellKey(cell: CellSpec, d: RecurrentDims, reverse: boolean): string {
  const c = cell.kind === 'rnn' ? `rnn-${cell.nonlinearity}` : cell.kind === 'gru' ? `gru-${cell.resetAfter}` : 'lstm';
  return `${c}:${d.B}:${d.T}:${d.I}:${d.H}:${reverse ? 'r' : 'f'}`;
}

// ---- forward kernels -----------------------------------------------------------------------

/** prev: [B, 2H] = (h, c) before step t: the previous step's S (valid there), else h0/c0 */
const prevStateSource = `function (S, h0, c0, lens, t) {
  const i = this.thread.x;
  ${floorDiv('b', 'i', 'this.constants.H2')}
  const col = i - b * this.constants.H2;
  let s = 0;
  if (col >= this.constants.H) { s = 1; }
  const j = col - s * this.constants.H;
  const p = t - this.constants.DIR;
  if (p >= 0 && p < this.constants.T && p < lens[b]) { return S[b * this.constants.SW + s * this.constants.H + j]; }
  if (s > 0) { return c0[b * this.constants.H + j]; }
  return h0[b * this.constants.H + j];
}`;

/** GRU reset-before: hn: [B, H] = W_hn (r ⊙ h_prev) + b_hn, r recomputed from xproj and hh */
const hnSource = `function (prev, xproj, hh, w, bias, t) {
  const i = this.thread.x;
  ${floorDiv('b', 'i', 'this.constants.H')}
  const j = i - b * this.constants.H;
  const xb = (b * this.constants.T + t) * this.constants.GH;
  let s = bias[this.constants.H2 + j];
  for (let k = 0; k < this.constants.H; k++) {
    const r = ${sig('xproj[xb + k] + hh[b * this.constants.H2 + k]')};
    s += w[(this.constants.H2 + j) * this.constants.H + k] * r * prev[b * this.constants.H2 + k];
  }
  return s;
}`;

/** The fused per-step cell: returns state block `s` for hidden unit j of sample b at step t. */
function cellForwardBody(cell: CellSpec): string {
  const x = (g: number): string => `xproj[xb + ${g} * this.constants.H + j]`;
  const hh = (g: number): string => `hh[hb + ${g} * this.constants.H + j]`;
  switch (cell.kind) {
    case 'rnn': {
      const act = cell.nonlinearity === 'tanh' ? tanh('pre') : 'Math.max(pre, 0)';
      return `const pre = ${x(0)} + ${hh(0)};
        return ${act};`;
    }
    case 'lstm':
      return `const pi = ${x(0)} + ${hh(0)};
        const pf = ${x(1)} + ${hh(1)};
        const pg = ${x(2)} + ${hh(2)};
        const po = ${x(3)} + ${hh(3)};
        const gi = ${sig('pi')};
        const gf = ${sig('pf')};
        const gg = ${tanh('pg')};
        const go = ${sig('po')};
        const c = gf * prev[b * this.constants.H2 + this.constants.H + j] + gi * gg;
        if (s === 0) { return go * ${tanh('c')}; }
        if (s === 1) { return c; }
        if (s === 2) { return gi; }
        if (s === 3) { return gf; }
        if (s === 4) { return gg; }
        return go;`;
    case 'gru': {
      const hn = cell.resetAfter ? hh(2) : 'hn[b * this.constants.H + j]';
      const n = cell.resetAfter ? `${x(2)} + r * hnv` : `${x(2)} + hnv`;
      return `const pr = ${x(0)} + ${hh(0)};
        const pz = ${x(1)} + ${hh(1)};
        const r = ${sig('pr')};
        const z = ${sig('pz')};
        const hnv = ${hn};
        const pn = ${n};
        const n = ${tanh('pn')};
        if (s === 0) { return (1 - z) * n + z * prev[b * this.constants.H2 + j]; }
        if (s === 1) { return r; }
        if (s === 2) { return z; }
        if (s === 3) { return n; }
        return hnv;`;
    }
  }
  throw new Error(`gpujs: unknown cell ${JSON.stringify(cell)}`);
}

function stateSource(cell: CellSpec): string {
  return `function (prev, xproj, hh, hn, lens, t) {
    const i = this.thread.x;
    ${floorDiv('b', 'i', 'this.constants.SW')}
    if (t >= lens[b]) { return 0; }
    const row = b * this.constants.T + t;
    const col = i - b * this.constants.SW;
    ${floorDiv('s', 'col', 'this.constants.H')}
    const j = col - s * this.constants.H;
    const xb = row * this.constants.GH;
    const hb = b * this.constants.GR;
    ${cellForwardBody(cell)}
  }`;
}

const ASSEMBLE_SLOTS = 7;

/**
 * seq: [B, T, W] from per-step textures steps[t]: [B, W] as a tree: each kernel call joins up to
 * 7 textures of g steps ([B, g, W]; the last may hold fewer) into one of 7g steps, so every
 * element is written ⌈log7 T⌉ times (twice for T ≤ 49) and no call copies data it does not move.
 * 7 inputs because WebGL 1 guarantees 8 texture units.
 */
function assemble(e: Engine, steps: readonly Storage[], d: RecurrentDims, W: number): Storage {
  let groups: Storage[] = [...steps];
  let g = 1; // steps per texture in `groups` (the last one may hold fewer)
  let last = 1;
  while (groups.length > 1) {
    const next: Storage[] = [];
    let nextLast = 0;
    for (let first = 0; first < groups.length; first += ASSEMBLE_SLOTS) {
      const n = Math.min(ASSEMBLE_SLOTS, groups.length - first);
      const isTail = first + n === groups.length;
      const gl = isTail ? last : g;
      const out = (n - 1) * g + gl;
      next.push(joinSteps(e, groups.slice(first, first + n), d.B, W, g, gl, out));
      if (isTail) nextLast = out;
      if (g > 1) for (const t of groups.slice(first, first + n)) release(t);
    }
    groups = next;
    g *= ASSEMBLE_SLOTS;
    last = nextLast;
  }
  // a single step (T = 1) is still owned by the caller's step list: hand out a copy of the handle
  return g === 1 ? share(groups[0] as Storage) : (groups[0] as Storage);
}

/** out: [B, S, W] from parts[p]: [B, g, W] (the last [B, gl, W]); S = (n−1)·g + gl */
function joinSteps(e: Engine, parts: readonly Storage[], B: number, W: number, g: number, gl: number, S: number): Storage {
  const n = parts.length;
  const slots = Array.from({ length: ASSEMBLE_SLOTS }, (_, k) => `p${k}`);
  const pick = slots
    .slice(0, n)
    .map((name, k) => (k < n - 1 ? `if (slot < ${k + 0.5}) { return ${name}[(b * this.constants.G + within) * this.constants.W + col]; }` : `return ${name}[(b * this.constants.GL + within) * this.constants.W + col];`))
    .join('\n        ');
  const args = slots.map((_, k) => parts[Math.min(k, n - 1)] as Storage);
  return e.run(
    {
      key: `rnn-assemble:${B}:${W}:${g}:${gl}:${n}`,
      size: B * S * W,
      constants: { W, G: g, GL: gl, S },
      source: `function (${slots.join(', ')}) {
        const i = this.thread.x;
        ${floorDiv('row', 'i', 'this.constants.W')}
        const col = i - row * this.constants.W;
        ${floorDiv('b', 'row', 'this.constants.S')}
        const tt = row - b * this.constants.S;
        ${floorDiv('slot', 'tt', 'this.constants.G')}
        const within = tt - slot * this.constants.G;
        ${pick}
      }`,
    },
    args,
  );
}

/** out: [B, H] = src[(b·T + idx[b])·W + off + j] */
const gatherSource = `function (src, idx) {
  const i = this.thread.x;
  ${floorDiv('b', 'i', 'this.constants.H')}
  const j = i - b * this.constants.H;
  return src[(b * this.constants.T + idx[b]) * this.constants.W + this.constants.O + j];
}`;

function gatherRows(e: Engine, src: Storage, idx: Float32Array, d: RecurrentDims, width: number, off: number): Storage {
  return e.run(
    { key: `rnn-gather:${d.B}:${d.T}:${d.H}:${width}:${off}`, size: d.B * d.H, constants: { H: d.H, T: d.T, W: width, O: off }, source: gatherSource },
    [src, idx],
  );
}

/** y: [B, T, H] = block 0 of F (already 0 at padded steps) */
function outputs(e: Engine, F: Storage, d: RecurrentDims, width: number): Storage {
  return e.run(
    {
      key: `rnn-y:${d.B}:${d.T}:${d.H}:${width}`,
      size: d.B * d.T * d.H,
      constants: { H: d.H, W: width },
      source: `function (F) {
        const i = this.thread.x;
        ${floorDiv('row', 'i', 'this.constants.H')}
        return F[row * this.constants.W + (i - row * this.constants.H)];
      }`,
    },
    [F],
  );
}

export interface RecurrentForwardInputs {
  readonly cell: CellSpec;
  readonly dims: RecurrentDims;
  readonly reverse: boolean;
  readonly lens: Float32Array;
  /** x: [B, T, I] */
  readonly x: Storage;
  /** wIh: [G·H, I], wHh: [G·H, H], bIh, bHh: [G·H] */
  readonly wIh: Storage;
  readonly wHh: Storage;
  readonly bIh: Storage;
  readonly bHh: Storage;
  /** h0, c0: [B, H], owned by this call (freed or kept in Saved) */
  readonly h0: Storage;
  readonly c0: Storage;
}

export interface RecurrentForwardOutputs {
  /** y: [B, T, H] */
  readonly y: Storage;
  /** hT, cT: [B, H] */
  readonly hT: Storage;
  readonly cT: Storage | undefined;
  readonly saved: RecurrentSaved | undefined;
}

export function recurrentForward(e: Engine, a: RecurrentForwardInputs, training: boolean): RecurrentForwardOutputs {
  const { cell, dims: d, reverse, lens } = a;
  const k = constantsOf(cell, d, reverse);
  const key = cellKey(cell, d, reverse);
  const BT = d.B * d.T;
  const GH = k.GH as number;
  const GR = k.GR as number;
  const SW = k.SW as number;

  const xproj = matmul(e, BT, GH, d.I, view(a.x, 0, d.I, 1), view(a.wIh, 0, 1, d.I), a.bIh);
  const steps: Storage[] = new Array<Storage>(d.T);
  const wHhT = prepareRight(e, d.B, GR, d.H, view(a.wHh, 0, 1, d.H));
  for (let step = 0; step < d.T; step++) {
    const t = reverse ? d.T - 1 - step : step;
    const before = step === 0 ? a.h0 : (steps[t - (k.DIR as number)] as Storage);
    const prev = e.run({ key: `rnn-prev:${key}`, size: d.B * 2 * d.H, constants: k, source: prevStateSource }, [before, a.h0, a.c0, lens, t]);
    const hh = matmulPrepared(e, view(prev, 0, 2 * d.H, 1), wHhT, a.bHh);
    const hn = resetBefore(cell)
      ? e.run({ key: `rnn-hn:${key}`, size: d.B * d.H, constants: k, source: hnSource }, [prev, xproj, hh, a.wHh, a.bHh, t])
      : hh;
    steps[t] = e.run({ key: `rnn-state:${key}`, size: d.B * SW, constants: k, source: stateSource(cell) }, [prev, xproj, hh, hn, lens, t]);
    release(prev);
    release(hh);
    if (hn !== hh) release(hn);
  }
  release(xproj);
  releaseRight(wHhT);
  const F = assemble(e, steps, d, SW);
  for (const st of steps) release(st);

  const last = new Float32Array(d.B);
  for (let b = 0; b < d.B; b++) last[b] = reverse ? 0 : (lens[b] as number) - 1;
  const y = outputs(e, F, d, SW);
  const hT = gatherRows(e, F, last, d, SW, 0);
  const cT = cell.kind === 'lstm' ? gatherRows(e, F, last, d, SW, d.H) : undefined;
  if (!training) {
    release(F);
    release(a.h0);
    release(a.c0);
    return { y, hT, cT, saved: undefined };
  }
  const saved: RecurrentSaved = {
    kind: 'recurrent', cell, dims: d, reverse, lens,
    x: share(a.x), wIh: share(a.wIh), wHh: share(a.wHh), h0: a.h0, c0: a.c0, F,
  };
  return { y, hT, cT, saved };
}

/** Storages a RecurrentSaved owns (for the ledger and for freeing). */
export function recurrentSavedStorages(s: RecurrentSaved): Storage[] {
  return [s.x, s.wIh, s.wHh, s.h0, s.c0, s.F];
}

// ---- backward kernels ----------------------------------------------------------------------

/** Pv: [B, T, 2H] = (h, c) before each step (the recurrent matmul's input, for dW_hh and dgates) */
const prevSeqSource = `function (F, h0, c0, lens) {
  const i = this.thread.x;
  ${floorDiv('row', 'i', 'this.constants.H2')}
  ${floorDiv('b', 'row', 'this.constants.T')}
  const t = row - b * this.constants.T;
  const col = i - row * this.constants.H2;
  let s = 0;
  if (col >= this.constants.H) { s = 1; }
  const j = col - s * this.constants.H;
  const p = t - this.constants.DIR;
  if (p >= 0 && p < lens[b]) { return F[(b * this.constants.T + p) * this.constants.SW + s * this.constants.H + j]; }
  if (s > 0) { return c0[b * this.constants.H + j]; }
  return h0[b * this.constants.H + j];
}`;

/** GRU reset-before: RH: [B, T, H] = r ⊙ h_prev (the n-gate rows of dW_hh multiply this) */
const rhSource = `function (F, Pv) {
  const i = this.thread.x;
  ${floorDiv('row', 'i', 'this.constants.H')}
  const j = i - row * this.constants.H;
  return F[row * this.constants.SW + this.constants.H + j] * Pv[row * this.constants.H2 + j];
}`;

/** GRU reset-before: drh: [B, H] = W_hnᵀ dn_pre at step t, dn_pre recomputed from F */
const drhSource = `function (F, dy, dhRec, w, lens, t) {
  const i = this.thread.x;
  ${floorDiv('b', 'i', 'this.constants.H')}
  const k = i - b * this.constants.H;
  if (t >= lens[b]) { return 0; }
  const row = b * this.constants.T + t;
  let s = 0;
  for (let j = 0; j < this.constants.H; j++) {
    const z = F[row * this.constants.SW + this.constants.H2 + j];
    const n = F[row * this.constants.SW + this.constants.H3 + j];
    const dh = dy[row * this.constants.H + j] + dhRec[b * this.constants.H + j];
    s += w[(this.constants.H2 + j) * this.constants.H + k] * dh * (1 - z) * (1 - n * n);
  }
  return s;
}`;

/** Gradient of gate block g for unit j (half 1 = the hh copy, GRU only). */
function cellBackwardBody(cell: CellSpec): string {
  const f = (blk: number): string => `F[fb + ${blk} * this.constants.H + j]`;
  switch (cell.kind) {
    case 'rnn':
      return cell.nonlinearity === 'tanh'
        ? `const h = ${f(0)};
        return dh * (1 - h * h);`
        : `const h = ${f(0)};
        if (h > 0) { return dh; }
        return 0;`;
    case 'lstm':
      return `const c = ${f(1)};
        const gi = ${f(2)};
        const gf = ${f(3)};
        const gg = ${f(4)};
        const go = ${f(5)};
        const tc = ${tanh('c')};
        const dc = dcIn + dh * go * (1 - tc * tc);
        if (g === 0) { return dc * gg * gi * (1 - gi); }
        if (g === 1) { return dc * Pv[row * this.constants.H2 + this.constants.H + j] * gf * (1 - gf); }
        if (g === 2) { return dc * gi * (1 - gg * gg); }
        return dh * tc * go * (1 - go);`;
    case 'gru': {
      const dr = cell.resetAfter ? `dnpre * ${f(4)}` : 'drh[b * this.constants.H + j] * hp';
      const dnHh = cell.resetAfter ? 'dnpre * r' : 'dnpre';
      return `const r = ${f(1)};
        const z = ${f(2)};
        const n = ${f(3)};
        const hp = Pv[row * this.constants.H2 + j];
        const dnpre = dh * (1 - z) * (1 - n * n);
        if (g === 0) { return ${dr} * r * (1 - r); }
        if (g === 1) { return dh * (hp - n) * z * (1 - z); }
        if (half > 0) { return ${dnHh}; }
        return dnpre;`;
    }
  }
  throw new Error(`gpujs: unknown cell ${JSON.stringify(cell)}`);
}

function dgatesSource(cell: CellSpec): string {
  const lstm = cell.kind === 'lstm';
  // dcIn: the cell-state gradient arriving from the step processed just before (t + DIR), or dcT.
  const dcInCode = (name: string, jv: string): string =>
    lstm
      ? `let ${name} = 0;
    if (t + this.constants.DIR >= 0 && t + this.constants.DIR < this.constants.T) {
      ${name} = Dn[b * this.constants.DW + this.constants.DCO + ${jv}];
    } else { ${name} = dcT[b * this.constants.H + ${jv}]; }`
      : '';
  const dcCarry = lstm
    ? `if (col >= this.constants.DCO) {
      const jc = col - this.constants.DCO;
      ${dcInCode('dcc', 'jc')}
      if (t >= lens[b]) { return dcc; }
      const fc = row * this.constants.SW;
      const dhc = dy[row * this.constants.H + jc] + dhRec[b * this.constants.H + jc];
      const cc = F[fc + this.constants.H + jc];
      const tcc = ${tanh('cc')};
      return (dcc + dhc * F[fc + 5 * this.constants.H + jc] * (1 - tcc * tcc)) * F[fc + 3 * this.constants.H + jc];
    }`
    : '';
  return `function (Dn, F, Pv, dy, dhRec, dcT, drh, lens, t) {
    const i = this.thread.x;
    ${floorDiv('b', 'i', 'this.constants.DW')}
    const row = b * this.constants.T + t;
    const col = i - b * this.constants.DW;
    ${dcCarry}
    if (t >= lens[b]) { return 0; }
    let half = 0;
    if (this.constants.DHH > 0 && col >= this.constants.DHH) { half = 1; }
    const c2 = col - half * this.constants.GH;
    ${floorDiv('g', 'c2', 'this.constants.H')}
    const j = c2 - g * this.constants.H;
    const fb = row * this.constants.SW;
    const dh = dy[row * this.constants.H + j] + dhRec[b * this.constants.H + j];
    ${dcInCode('dcIn', 'j')}
    ${cellBackwardBody(cell)}
  }`;
}

/**
 * dhRec': [B, H] = mm + direct terms, where mm = W_hhᵀ dA_t (a matmul, see recurrentBackward);
 * GRU adds dh ⊙ z (h' depends on h through z ⊙ h), reset-before also d(r⊙h) ⊙ r; passes
 * dhRec through at padded steps.
 */
function dhRecSource(cell: CellSpec): string {
  const gru = cell.kind === 'gru';
  const rb = resetBefore(cell);
  const direct = gru
    ? `s += (dy[row * this.constants.H + k] + dhRec[i]) * F[row * this.constants.SW + this.constants.H2 + k];`
    : '';
  const viaR = rb ? `s += drh[i] * F[row * this.constants.SW + this.constants.H + k];` : '';
  return `function (mm, F, dy, dhRec, drh, lens, t) {
    const i = this.thread.x;
    ${floorDiv('b', 'i', 'this.constants.H')}
    const k = i - b * this.constants.H;
    if (t >= lens[b]) { return dhRec[i]; }
    const row = b * this.constants.T + t;
    let s = mm[i];
    ${direct}
    ${viaR}
    return s;
  }`;
}

export interface RecurrentGrads {
  /** dx: [B, T, I] */
  readonly dx: Storage;
  /** dh0, dc0: [B, H] */
  readonly dh0: Storage;
  readonly dc0: Storage | undefined;
  readonly dWIh: Storage;
  readonly dWHh: Storage;
  readonly dBIh: Storage;
  readonly dBHh: Storage;
}

/** dy: [B, T, H], dhT, dcT: [B, H], each owned by this call (freed here) */
export function recurrentBackward(e: Engine, s: RecurrentSaved, dy: Storage, dhT: Storage, dcT: Storage): RecurrentGrads {
  const { cell, dims: d, reverse, lens } = s;
  const k = constantsOf(cell, d, reverse);
  const key = cellKey(cell, d, reverse);
  const BT = d.B * d.T;
  const GH = k.GH as number;
  const DW = k.DW as number;
  const DHH = k.DHH as number;
  const rb = resetBefore(cell);

  const Pv = e.run({ key: `rnn-pv:${key}`, size: BT * 2 * d.H, constants: k, source: prevSeqSource }, [s.F, s.h0, s.c0, lens]);
  const dsteps: Storage[] = new Array<Storage>(d.T);
  let dhRec = dhT;
  // W_hh over the gate rows that depend on h directly (reset-before: r and z only)
  const wHh = prepareRight(e, d.B, d.H, k.GR as number, view(s.wHh, 0, d.H, 1));
  for (let step = 0; step < d.T; step++) {
    const t = reverse ? step : d.T - 1 - step;
    const after = step === 0 ? dcT : (dsteps[t + (k.DIR as number)] as Storage);
    const drh = rb
      ? e.run({ key: `rnn-drh:${key}`, size: d.B * d.H, constants: k, source: drhSource }, [s.F, dy, dhRec, s.wHh, lens, t])
      : dhRec;
    const Dt = e.run(
      { key: `rnn-dgates:${key}`, size: d.B * DW, constants: k, source: dgatesSource(cell) },
      [after, s.F, Pv, dy, dhRec, dcT, drh, lens, t],
    );
    const mm = matmulPrepared(e, view(Dt, DHH, DW, 1), wHh);
    const nextDh = e.run(
      { key: `rnn-dh:${key}`, size: d.B * d.H, constants: k, source: dhRecSource(cell) },
      [mm, s.F, dy, dhRec, drh, lens, t],
    );
    release(mm);
    release(dhRec);
    if (drh !== dhRec) release(drh);
    dsteps[t] = Dt;
    dhRec = nextDh;
  }
  releaseRight(wHh);
  release(dy);
  release(dcT);
  const D = assemble(e, dsteps, d, DW);
  for (const st of dsteps) release(st);

  const first = new Float32Array(d.B).fill(reverse ? d.T - 1 : 0);
  const dc0 = cell.kind === 'lstm' ? gatherRows(e, D, first, d, DW, k.DCO as number) : undefined;
  const dx = matmul(e, BT, d.I, GH, view(D, 0, DW, 1), view(s.wIh, 0, d.I, 1));
  const dWIh = matmul(e, GH, d.I, BT, view(D, 0, 1, DW), view(s.x, 0, d.I, 1));
  const dBIh = columnSum(e, D, BT, GH, 0, DW);
  const dBHh = columnSum(e, D, BT, GH, DHH, DW);
  let dWHh: Storage;
  if (rb) {
    const RH = e.run({ key: `rnn-rh:${key}`, size: BT * d.H, constants: k, source: rhSource }, [s.F, Pv]);
    dWHh = matmul(e, GH, d.H, BT, view(D, DHH, 1, DW), view(Pv, 0, 2 * d.H, 1), undefined, {
      view: view(RH, 0, d.H, 1),
      split: 2 * d.H,
    });
    release(RH);
  } else {
    dWHh = matmul(e, GH, d.H, BT, view(D, DHH, 1, DW), view(Pv, 0, 2 * d.H, 1));
  }
  release(Pv);
  release(D);
  return { dx, dh0: dhRec, dc0, dWIh, dWHh, dBIh, dBHh };
}
