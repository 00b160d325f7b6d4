// The generic path: any cell's step (cells/*.ts) run over time with the backend primitives,
// with everything a layer direction needs — lengths, reverse, initial and final states, saved
// activations for backward. Keras 3's `rnn(step_function, ...)` loop, with backward written out.
//
// x: [B, T, ...input] → y: [B, T, ...state0]; states: [B, ...state_j]
// Lengths: a sample's steps at t ≥ length keep its states (s ← s + m ⊙ (s' − s), m ∈ {0, 1} per
// sample) and output 0 (y_t = m ⊙ s'_0). The reverse direction runs t = T−1 … 0, so a sample's
// reverse pass starts at its last valid step: steps past its length leave the initial state.
import type { Backend, FusedBackwardArgs, FusedForwardResult, Tensor } from './backend.js';
import type { CellConfig, CellDefinition, CellParams, CellSizes } from './cells/cell.js';
import { TrackingOps } from './tracking-ops.js';

export interface GenericForwardArgs {
  readonly x: Tensor;
  readonly states?: readonly (Tensor | undefined)[] | undefined;
  readonly lengths?: Int32Array | undefined;
  readonly reverse: boolean;
  readonly training: boolean;
}

interface Step {
  readonly t: number;
  /** x_t: [B, ...input] (a copy, owned here) */
  readonly x: Tensor;
  /** States before the step. */
  readonly prev: readonly Tensor[];
  readonly cache: readonly Tensor[];
}

/** What the generic forward keeps for backward; every tensor in it is owned by it. */
export interface GenericSaved {
  readonly kind: 'generic';
  readonly def: CellDefinition;
  readonly cell: CellConfig;
  readonly params: CellParams;
  readonly steps: Step[];
  readonly masks: Map<string, Tensor> | undefined;
  readonly owned: Set<Tensor>;
  readonly batch: number;
  readonly time: number;
  readonly stateShapes: readonly (readonly number[])[];
}

function maskKey(t: number, shape: readonly number[]): string {
  return `${t}:${shape.join('x')}`;
}

/** Per-step masks of each state's shape, only when some sample is shorter than T. */
function buildMasks(b: Backend, lengths: Int32Array | undefined, T: number, shapes: readonly (readonly number[])[]): Map<string, Tensor> | undefined {
  if (!lengths || lengths.every((l) => l === T)) return undefined;
  const B = lengths.length;
  const masks = new Map<string, Tensor>();
  for (let t = 0; t < T; t++) {
    for (const shape of shapes) {
      const key = maskKey(t, shape);
      if (masks.has(key)) continue;
      const per = shape.reduce((a, c) => a * c, 1);
      const m = new Float32Array(B * per);
      for (let s = 0; s < B; s++) if (t < lengths[s]!) m.fill(1, s * per, (s + 1) * per);
      masks.set(key, b.tensor(m, [B, ...shape], 'float32'));
    }
  }
  return masks;
}

export async function genericForward(
  b: Backend,
  def: CellDefinition,
  cell: CellConfig,
  sizes: CellSizes,
  params: CellParams,
  args: GenericForwardArgs,
): Promise<FusedForwardResult & { saved?: GenericSaved | undefined }> {
  const [B, T] = args.x.shape as [number, number];
  const inShape = args.x.shape.slice(2);
  const stateShapes = def.states(cell, sizes).map((s) => s.shape);
  const ops = new TrackingOps(b);
  // Masks in each state's shape, and in x_t's: padded steps run on x_t = 0, so garbage there can
  // never overflow into a NaN that a 0 of the mask would not remove (0 · NaN = NaN).
  const masks = buildMasks(b, args.lengths, T, [...stateShapes, inShape]);
  // Own copies of the initial states: Saved must not alias a handle the caller may dispose.
  let states: Tensor[] = [];
  for (const [j, shape] of stateShapes.entries()) {
    const given = args.states?.[j];
    states.push(given ? await ops.affine(given, 1, 0) : ops.adopt(b.zeros([B, ...shape])));
  }
  const initial = states.slice();
  const steps: Step[] = [];
  const ys: Tensor[] = new Array(T);
  const keep = new Set<Tensor>(initial);
  for (let k = 0; k < T; k++) {
    const t = args.reverse ? T - 1 - k : k;
    const xRaw = await ops.reshape(await ops.slice(args.x, 1, t, 1), [B, ...inShape]);
    const xt = masks ? await ops.mul(masks.get(maskKey(t, inShape))!, xRaw) : xRaw;
    const r = await def.forward(ops, cell, params, xt, states);
    let next = r.states;
    let y = next[0]!;
    if (masks) {
      next = [];
      for (const [j, s] of r.states.entries()) {
        const m = masks.get(maskKey(t, stateShapes[j]!))!;
        next.push(await ops.add(states[j]!, await ops.mul(m, await ops.sub(s, states[j]!))));
        if (j === 0) y = await ops.mul(m, s);
      }
    }
    ys[t] = await ops.reshape(y, [B, 1, ...stateShapes[0]!]);
    if (args.training) {
      steps.push({ t, x: xt, prev: states, cache: r.cache });
      [xt, ...r.cache, ...next].forEach((v) => keep.add(v));
      ops.release([...keep, ...ys.filter(Boolean)]);
    } else {
      ops.release([...next, ...ys.filter(Boolean)]);
    }
    states = next;
  }
  const y = await b.concat(ys, 1);
  ys.forEach((v) => b.dispose(v));
  // Final states go to the caller; when training they may also be cached, so hand out copies.
  const out: Tensor[] = [];
  for (const s of states) out.push(args.training ? await b.affine(s, 1, 0) : s);
  if (!args.training) {
    masks?.forEach((m) => b.dispose(m));
    return { y, states: out };
  }
  const saved: GenericSaved = {
    kind: 'generic',
    def,
    cell,
    params,
    steps,
    masks,
    owned: keep,
    batch: B,
    time: T,
    stateShapes,
  };
  return { y, states: out, saved };
}

export async function genericBackward(b: Backend, saved: GenericSaved, args: Omit<FusedBackwardArgs, 'saved'>) {
  const { def, cell, params, masks, batch: B, stateShapes } = saved;
  const ops = new TrackingOps(b);
  // dS: gradients of the states after the step being processed (owned here).
  let dS: Tensor[] = [];
  for (const [j, shape] of stateShapes.entries()) {
    const given = args.dStates?.[j];
    dS.push(given ? await ops.affine(given, 1, 0) : ops.adopt(b.zeros([B, ...shape])));
  }
  const grads = new Map<string, Tensor>();
  const dxs: Tensor[] = new Array(saved.time);
  for (let k = saved.steps.length - 1; k >= 0; k--) {
    const step = saved.steps[k]!;
    const dy = args.dy ? await ops.reshape(await ops.slice(args.dy, 1, step.t, 1), [B, ...stateShapes[0]!]) : undefined;
    const dNext: Tensor[] = [];
    const through: (Tensor | undefined)[] = [];
    for (const [j, d] of dS.entries()) {
      let g = j === 0 && dy ? await ops.add(d, dy) : d;
      const m = masks?.get(maskKey(step.t, stateShapes[j]!));
      if (m) {
        g = await ops.mul(m, g);
        // Padded steps pass the carried state's gradient straight through.
        through.push(await ops.sub(d, await ops.mul(m, d)));
      } else through.push(undefined);
      dNext.push(g);
    }
    const r = await def.backward(ops, cell, params, step.x, step.prev, step.cache, dNext);
    const nextDS: Tensor[] = [];
    for (const [j, d] of r.dStates.entries()) nextDS.push(through[j] ? await ops.add(d, through[j]!) : d);
    for (const [name, g] of r.grads) {
      const acc = grads.get(name);
      grads.set(name, acc ? await ops.add(acc, g) : g);
    }
    const xMask = masks?.get(maskKey(step.t, step.x.shape.slice(1)));
    dxs[step.t] = await ops.reshape(xMask ? await ops.mul(xMask, r.dx) : r.dx, [B, 1, ...step.x.shape.slice(1)]);
    dS = nextDS;
    ops.release([...dS, ...grads.values(), ...dxs.filter(Boolean)]);
  }
  const dx = await b.concat(dxs, 1);
  dxs.forEach((v) => b.dispose(v));
  return { dx, dStates: dS, grads };
}

export function disposeGenericSaved(b: Backend, saved: GenericSaved): void {
  saved.owned.forEach((t) => b.dispose(t));
  saved.owned.clear();
  saved.masks?.forEach((m) => b.dispose(m));
  saved.masks?.clear();
}
