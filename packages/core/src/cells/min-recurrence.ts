// minGRU and minLSTM (Feng et al. 2024, "Were RNNs All We Needed?", vanilla form): no recurrent
// weights, so every gate of every step comes from x alone, G = x W_ihᵀ + b_ih, and the state
// follows the linear recurrence h_t = a_t ⊙ h_{t−1} + b_t. The step form runs on the generic
// loop; the sequence form computes G for all steps in one product over [B·T, I] and the
// recurrence with the backend's `linearScan` (a parallel scan where the backend has one).
// Its backward is a scan too: g_t = dy_t + a_{t+1} ⊙ g_{t+1} runs the other way.
import type { Tensor } from '../backend.js';
import type { CellConfig, CellDefinition, CellOps, SequenceForm } from './cell.js';
import { param } from './cell.js';
import { linear, linearBackward } from './linear.js';
import { rejectUnknown } from './options.js';

/** How a cell turns its gate pre-activations into the recurrence's coefficients. */
export interface MinGates {
  /** Gate blocks G stacked in weight_ih's first axis. */
  readonly count: number;
  /** G: [N, count·H] → a, b: [N, H] and what the backward needs. */
  ab(ops: CellOps, G: Tensor): Promise<{ a: Tensor; b: Tensor; cache: Tensor[] }>;
  /** da, db: [N, H] → dG: [N, count·H] */
  abBackward(ops: CellOps, cache: readonly Tensor[], da: Tensor, db: Tensor): Promise<Tensor>;
}

/** m ⊙ (v − 1) + 1: a padded step keeps its state (a = 1). */
async function keepWhere(ops: CellOps, mask: Tensor, v: Tensor): Promise<Tensor> {
  return ops.affine(await ops.mul(mask, await ops.affine(v, 1, -1)), 1, 1);
}

/** Step t of [B, T, H] as [B, H]. */
async function stepOf(ops: CellOps, v: Tensor, t: number): Promise<Tensor> {
  const [B, , H] = v.shape as [number, number, number];
  return ops.reshape(await ops.slice(v, 1, t, 1), [B, H]);
}

/** v: [B, T, H] shifted one step along time (towards `later`), the vacated step filled with `fill`: [B, 1, H]. */
async function shift(ops: CellOps, v: Tensor, fill: Tensor, later: boolean): Promise<Tensor> {
  const T = v.shape[1]!;
  if (T === 1) return ops.affine(fill, 1, 0);
  return later ? ops.concat([await ops.slice(v, 1, 1, T - 1), fill], 1) : ops.concat([fill, await ops.slice(v, 1, 0, T - 1)], 1);
}

function sequenceForm(gates: MinGates): SequenceForm {
  return {
    // x: [B, T, I], h0: [B, H] → y: [B, T, H]; cache [a (masked), h: [B, T, H], ...gate cache]
    async forward(ops, _cell, p, x, [h0], mask, reverse) {
      const [B, T, I] = x.shape as [number, number, number];
      const H = h0!.shape[1]!;
      const G = await linear(ops, await ops.reshape(x, [B * T, I]), param(p, 'weight_ih'), param(p, 'bias_ih'));
      const r = await gates.ab(ops, G);
      let a = await ops.reshape(r.a, [B, T, H]);
      let b = await ops.reshape(r.b, [B, T, H]);
      if (mask) {
        a = await keepWhere(ops, mask, a);
        b = await ops.mul(mask, b);
      }
      const h = await ops.linearScan(a, b, h0!, reverse);
      const y = mask ? await ops.mul(mask, h) : await ops.affine(h, 1, 0);
      // Padded steps keep the state, so the last step of the scan is every sample's final state.
      const final = await stepOf(ops, h, reverse ? 0 : T - 1);
      return { y, states: [final], cache: [a, h, ...r.cache] };
    },
    async backward(ops, _cell, p, x, [h0], [a, h, ...abCache], mask, reverse, dy, [dFinal]) {
      const [B, T, I] = x.shape as [number, number, number];
      const H = h0!.shape[1]!;
      const ones = await ops.affine(await ops.slice(a!, 1, 0, 1), 0, 1);
      // g_t = e_t + a_{t+1} g_{t+1} (forward layer), scanned from the end starting at dFinal.
      const e = dy ? (mask ? await ops.mul(mask, dy) : dy) : await ops.affine(h!, 0, 0);
      const g = await ops.linearScan(await shift(ops, a!, ones, !reverse), e, dFinal!, !reverse);
      const h0Step = await ops.reshape(h0!, [B, 1, H]);
      const hPrev = await shift(ops, h!, h0Step, reverse);
      let da = await ops.mul(g, hPrev);
      let db = g;
      const first = reverse ? T - 1 : 0;
      const dh0 = await ops.mul(await stepOf(ops, a!, first), await stepOf(ops, g, first));
      if (mask) {
        da = await ops.mul(mask, da);
        db = await ops.mul(mask, db);
      }
      const dG = await gates.abBackward(ops, abCache, await ops.reshape(da, [B * T, H]), await ops.reshape(db, [B * T, H]));
      const gi = await linearBackward(ops, await ops.reshape(x, [B * T, I]), param(p, 'weight_ih'), dG);
      const grads = new Map([
        ['weight_ih', gi.dw],
        ['bias_ih', gi.db],
      ]);
      return { dx: await ops.reshape(gi.dx, [B, T, I]), dStates: [dh0], grads };
    },
  };
}

/** A min* cell's definition: no options, weight_ih: [count·H, I], bias_ih: [count·H], state [h]. */
export function minCell<C extends CellConfig>(kind: C['kind'], gates: MinGates, describe: string): CellDefinition<C> {
  return {
    kind,
    configure(o, where) {
      rejectUnknown(o, [], where);
      return { kind } as C;
    },
    params: (_cell, { inputSize: I, hiddenSize: H }) => [
      { name: 'weight_ih', shape: [gates.count * H, I], role: 'input' },
      { name: 'bias_ih', shape: [gates.count * H], role: 'bias' },
    ],
    states: (_cell, { hiddenSize: H }) => [{ name: 'h', shape: [H] }],
    // x: [B, I], h: [B, H] → h' = a ⊙ h + b; cache [a, ...gate cache]
    async forward(ops, _cell, p, x, [h]) {
      const r = await gates.ab(ops, await linear(ops, x, param(p, 'weight_ih'), param(p, 'bias_ih')));
      return { states: [await ops.add(await ops.mul(r.a, h!), r.b)], cache: [r.a, ...r.cache] };
    },
    async backward(ops, _cell, p, x, [h], [a, ...abCache], [dNext]) {
      const dG = await gates.abBackward(ops, abCache, await ops.mul(dNext!, h!), dNext!);
      const gi = await linearBackward(ops, x, param(p, 'weight_ih'), dG);
      const grads = new Map([
        ['weight_ih', gi.dw],
        ['bias_ih', gi.db],
      ]);
      return { dx: gi.dx, dStates: [await ops.mul(dNext!, a!)], grads };
    },
    describe: () => describe,
    sequence: sequenceForm(gates) as SequenceForm<C>,
  };
}
