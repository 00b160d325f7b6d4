// A traced step replayed with host loops must equal the step itself run on host loops: the
// trace records everything the step computes.
import { describe, expect, it } from 'vitest';
import type { Activation, Tensor } from './backend.js';
import type { CellOps } from './cells/cell.js';
import { cellCatalogue } from './cells/catalogue.js';
import * as host from './host/primitives.js';
import { Rng } from './rng.js';
import { traceForwardStep, type CellTrace } from './trace.js';

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
};

async function replay(trace: CellTrace, values: Map<number, HostTensor>): Promise<Map<number, HostTensor>> {
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
      default:
        r = await hostOps[n.op](a[0]!, a[1]!);
    }
    expect(r.shape, `node ${n.id} (${n.op}) shape`).toEqual(n.shape);
    values.set(n.id, r as HostTensor);
  }
  return values;
}

describe('traceForwardStep', () => {
  const configs = [
    { kind: 'rnn', nonlinearity: 'relu' },
    { kind: 'lstm', unitForgetBias: true },
    { kind: 'gru', resetAfter: true },
    { kind: 'gru', resetAfter: false },
    { kind: 'ctrnn', alpha: 0.3, nonlinearity: 'tanh' },
  ];
  for (const cell of configs) {
    it(`${cell.kind} ${JSON.stringify(cell)}: the trace replayed equals the step`, async () => {
      const def = cellCatalogue[cell.kind]!;
      const sizes = { inputSize: 3, hiddenSize: 4 };
      const B = 2;
      const trace = await traceForwardStep(def, cell, sizes, B);
      expect(trace.nodes.length).toBeGreaterThan(3);
      const rng = new Rng(5);
      const values = new Map<number, HostTensor>();
      for (const i of trace.inputs) values.set(i.id, T(Float64Array.from({ length: i.shape.reduce((a, c) => a * c, 1) }, () => rng.next() - 0.5), i.shape));
      await replay(trace, values);
      const x = values.get(trace.inputs.find((i) => i.kind === 'x')!.id)!;
      const states = trace.inputs.filter((i) => i.kind === 'state').map((i) => values.get(i.id)!);
      const params = new Map(trace.inputs.filter((i) => i.kind === 'param').map((i) => [i.name, values.get(i.id)!]));
      const direct = await def.forward(hostOps, cell, params, x, states);
      direct.states.forEach((s, j) => expect(Array.from(values.get(trace.states[j]!)!.data)).toEqual(Array.from(d(s))));
      expect(trace.cache.length).toBe(direct.cache.length);
    });
  }
});
