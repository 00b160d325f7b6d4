// A traced step replayed with host loops must equal the step itself run on host loops: the
// trace records everything the step computes.
import { describe, expect, it } from 'vitest';
import type { Activation, Tensor } from './backend.js';
import type { CellOps } from './cells/cell.js';
import { cellCatalogue } from './cells/catalogue.js';
import * as host from './host/primitives.js';
import { Rng } from './rng.js';
import { traceBackwardStep, traceForwardStep, type CellTrace } from './trace.js';

interface HostTensor extends Tensor {
  readonly data: Float64Array;
}
const T = (data: Float64Array, shape: readonly number[]): HostTensor => ({ data, shape, dtype: 'float32' });
const d = (t: Tensor) => (t as HostTensor).data;

/** CellOps on host float64 arrays. */
const hostOps: CellOps = {
  matmul: (a, b, ta, tb) => {
    const M = ta ? a.shape[1]! : a.shape[0]!;
    const K = ta ? a.shape[0]! : a.shape[1]!;
    const N = tb ? b.shape[0]! : b.shape[1]!;
    return T(host.matmul(d(a), d(b), M, K, N, ta, tb) as Float64Array, [M, N]);
  },
  add: (a, b) => T(host.add(d(a), d(b)), a.shape),
  sub: (a, b) => T(host.sub(d(a), d(b)), a.shape),
  mul: (a, b) => T(host.mul(d(a), d(b)), a.shape),
  affine: (x, s, c) => T(host.affine(d(x), s, c), x.shape),
  addRow: (x, b) => T(host.addRow(d(x), d(b)), x.shape),
  sumRows: (x) => T(host.sumRows(d(x), x.shape[1]!), [x.shape[1]!]),
  activation: (f: Activation, x) => T(host.activation(f, d(x)), x.shape),
  activationGrad: (f: Activation, y, dy) => T(host.activationGrad(f, d(y), d(dy)), y.shape),
  slice: (x, axis, start, size) => T(host.slice(d(x), x.shape, axis, start, size), x.shape.map((v, i) => (i === axis ? size : v))),
  concat: (xs, axis) =>
    T(
      host.concat(xs.map(d), xs.map((x) => x.shape), axis),
      xs[0]!.shape.map((v, i) => (i === axis ? xs.reduce((a, x) => a + x.shape[axis]!, 0) : v)),
    ),
  reshape: (x, shape) => T(d(x), shape),
  div: (a, b) => T(host.div(d(a), d(b)), a.shape),
  layerNorm: (x, eps) => T(host.layerNorm(d(x), x.shape[1]!, eps), x.shape),
  layerNormGrad: (x, dy, eps) => T(host.layerNormGrad(d(x), d(dy), x.shape[1]!, eps), x.shape),
  conv2d: (x, w, bias) => {
    const [B, C, H, W] = x.shape as number[];
    const [O, , k] = w.shape as number[];
    return T(host.conv2d(d(x), d(w), bias && d(bias), { B: B!, C: C!, H: H!, W: W!, O: O!, k: k! }), [B!, O!, H!, W!]);
  },
  conv2dGradInput: (dy, w) => {
    const [B, O, H, W] = dy.shape as number[];
    const [, C, k] = w.shape as number[];
    return T(host.conv2dGradInput(d(dy), d(w), { B: B!, C: C!, H: H!, W: W!, O: O!, k: k! }), [B!, C!, H!, W!]);
  },
  conv2dGradFilter: (x, dy, k) => {
    const [B, C, H, W] = x.shape as number[];
    const O = dy.shape[1]!;
    return T(host.conv2dGradFilter(d(x), d(dy), { B: B!, C: C!, H: H!, W: W!, O, k }), [O, C!, k, k]);
  },
};

async function replay(trace: Pick<CellTrace, 'nodes'>, values: Map<number, HostTensor>): Promise<Map<number, HostTensor>> {
  for (const n of trace.nodes) {
    const a = n.inputs.map((i) => values.get(i)!);
    let r: Tensor;
    switch (n.op) {
      case 'matmul':
        r = await hostOps.matmul(a[0]!, a[1]!, n.transposeA, n.transposeB);
        break;
      case 'affine':
        r = await hostOps.affine(a[0]!, n.scale, n.shift);
        break;
      case 'activation':
        r = await hostOps.activation(n.f, a[0]!);
        break;
      case 'activationGrad':
        r = await hostOps.activationGrad(n.f, a[0]!, a[1]!);
        break;
      case 'slice':
        r = await hostOps.slice(a[0]!, n.axis, n.start, n.size);
        break;
      case 'concat':
        r = await hostOps.concat(a, n.axis);
        break;
      case 'reshape':
        r = await hostOps.reshape(a[0]!, n.shape);
        break;
      case 'sumRows':
        r = await hostOps.sumRows(a[0]!);
        break;
      case 'layerNorm':
        r = await hostOps.layerNorm(a[0]!, n.eps);
        break;
      case 'layerNormGrad':
        r = await hostOps.layerNormGrad(a[0]!, a[1]!, n.eps);
        break;
      case 'conv2d':
        r = await hostOps.conv2d(a[0]!, a[1]!, a[2]);
        break;
      case 'conv2dGradInput':
        r = await hostOps.conv2dGradInput(a[0]!, a[1]!);
        break;
      case 'conv2dGradFilter':
        r = await hostOps.conv2dGradFilter(a[0]!, a[1]!, n.kernelSize);
        break;
      default:
        r = await hostOps[n.op](a[0]!, a[1]!);
    }
    expect(r.shape, `node ${n.id} (${n.op}) shape`).toEqual(n.shape);
    values.set(n.id, r as HostTensor);
  }
  return values;
}

const CONFIGS = [
  { kind: 'rnn', nonlinearity: 'relu' },
  { kind: 'lstm', unitForgetBias: true },
  { kind: 'lstm', unitForgetBias: true, projSize: 2 },
  { kind: 'lstm', unitForgetBias: true, peephole: true },
  { kind: 'lstm', unitForgetBias: true, layerNorm: true },
  { kind: 'gru', resetAfter: true },
  { kind: 'gru', resetAfter: false },
  { kind: 'ctrnn', alpha: 0.3, nonlinearity: 'tanh' },
  { kind: 'jordan', outputSize: 3, nonlinearity: 'tanh' },
  { kind: 'minGru' },
  { kind: 'minLstm' },
  { kind: 'convLstm', kernelSize: 3, unitForgetBias: true },
];

const sizesFor = (kind: string) => (kind === 'convLstm' ? { inputSize: 2, hiddenSize: 3, spatial: [4, 3] as const } : { inputSize: 3, hiddenSize: 4 });

function randomValues(inputs: CellTrace['inputs'], seed: number): Map<number, HostTensor> {
  const rng = new Rng(seed);
  const values = new Map<number, HostTensor>();
  for (const i of inputs) values.set(i.id, T(Float64Array.from({ length: i.shape.reduce((a, c) => a * c, 1) }, () => rng.next() - 0.5), i.shape));
  return values;
}

describe('traceForwardStep and traceBackwardStep', () => {
  for (const cell of CONFIGS) {
    it(`${JSON.stringify(cell)}: both traces replayed equal the step`, async () => {
      const def = cellCatalogue[cell.kind]!;
      const sizes = sizesFor(cell.kind);
      const B = 2;
      const trace = await traceForwardStep(def, cell, sizes, B);
      expect(trace.nodes.length).toBeGreaterThan(3);
      const values = randomValues(trace.inputs, 5);
      await replay(trace, values);
      const pick = (kind: string) => trace.inputs.filter((i) => i.kind === kind);
      const x = values.get(pick('x')[0]!.id)!;
      const states = pick('state').map((i) => values.get(i.id)!);
      const params = new Map(pick('param').map((i) => [i.name, values.get(i.id)!]));
      const direct = await def.forward(hostOps, cell, params, x, states);
      direct.states.forEach((s, j) => expect(Array.from(values.get(trace.states[j]!)!.data)).toEqual(Array.from(d(s))));
      expect(trace.cache.length).toBe(direct.cache.length);

      const back = await traceBackwardStep(def, cell, sizes, B);
      const bv = randomValues(back.inputs, 9);
      // The backward step's x, states, params and cache are the forward step's.
      for (const i of back.inputs) {
        if (i.kind === 'x') bv.set(i.id, x);
        else if (i.kind === 'state') bv.set(i.id, states[pick('state').findIndex((s) => s.name === i.name)]!);
        else if (i.kind === 'param') bv.set(i.id, params.get(i.name)!);
        else if (i.kind === 'cache') bv.set(i.id, direct.cache[Number(i.name)] as HostTensor);
      }
      await replay(back, bv);
      const dNext = back.inputs.filter((i) => i.kind === 'dState').map((i) => bv.get(i.id)!);
      const want = await def.backward(hostOps, cell, params, x, states, direct.cache, dNext);
      expect(Array.from(bv.get(back.dx)!.data)).toEqual(Array.from(d(want.dx)));
      want.dStates.forEach((t, j) => expect(Array.from(bv.get(back.dStates[j]!)!.data)).toEqual(Array.from(d(t))));
      expect([...back.grads.keys()].sort()).toEqual([...want.grads.keys()].sort());
      for (const [name, t] of want.grads) expect(Array.from(bv.get(back.grads.get(name)!)!.data), name).toEqual(Array.from(d(t)));
    });
  }
});
