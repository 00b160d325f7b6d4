// A sequence longer than one assembly pass (T = 40: a two-level tree of 7-way joins with short tails) and a wider batch, with
// lengths and both directions, against backend-js's float64 reference: the fused kernels, and
// core's generic path (the cell's step over time) on this backend's primitives.
import { createJsBackend } from '@rnnkit/backend-js';
import type { Backend, CellSpec, Tensor } from '@rnnkit/core';
import { cellDefinition, gateCount } from '@rnnkit/core';
import { disposeGenericSaved, genericBackward, genericForward } from '@rnnkit/core/internal';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { GpujsBackend } from './backend.js';
import { createTestBackend, maxRelErr, recurrentParams } from './test-support.js';

let be: GpujsBackend;
let ref: Backend;
beforeAll(async () => {
  be = await createTestBackend();
  ref = await createJsBackend({ precision: 'float64' });
});
afterAll(() => {
  be?.close();
  ref?.close();
});

const cells: [CellSpec, boolean][] = [
  [{ kind: 'lstm', unitForgetBias: false }, false],
  [{ kind: 'gru', resetAfter: false }, true],
];

test.each(cells)('%j reverse=%s, B=3 T=40 I=4 H=6, lengths [40, 17, 1]', async (cell, reverse) => {
  const B = 3, T = 40, I = 4, H = 6, G = gateCount(cell.kind);
  const data = (n: number, s: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.61 + s) * 0.5);
  const shapes: [number, number[]][] = [[G * H * I, [G * H, I]], [G * H * H, [G * H, H]], [G * H, [G * H]], [G * H, [G * H]], [B * T * I, [B, T, I]], [B * H, [B, H]], [B * T * H, [B, T, H]], [B * H, [B, H]]];
  const sizes = { inputSize: I, hiddenSize: H };
  const lengths = Int32Array.from([40, 17, 1]);
  const run = async (b: Backend, path: 'fused' | 'generic') => {
    const [wIh, wHh, bIh, bHh, x, h0, dy, dhT] = shapes.map(([n, shape], s) => b.tensor(data(n, s), shape, 'float32')) as Tensor[];
    const params = recurrentParams(wIh!, wHh!, bIh!, bHh!);
    let f, g;
    if (path === 'fused') {
      const kernel = b.fused[cell.kind]!;
      f = await kernel.forward({ cell, sizes, params, x: x!, states: [h0], lengths, reverse, training: true });
      g = await kernel.backward({ saved: f.saved!, dy, dStates: [dhT] });
    } else {
      f = await genericForward(b, cellDefinition(cell.kind), cell, sizes, params, { x: x!, states: [h0], lengths, reverse, training: true });
      g = await genericBackward(b, f.saved!, { dy, dStates: [dhT] });
    }
    const grads = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) => g.grads.get(n)!);
    const out = await Promise.all([f.y, f.states[0]!, g.dx, g.dStates[0]!, ...grads].map((t) => b.read(t)));
    if (path === 'fused') b.disposeSaved(f.saved!);
    else disposeGenericSaved(b, f.saved as never);
    return out;
  };
  const theirs = await run(ref, 'fused');
  const names = ['y', 'hT', 'dx', 'dh0', 'dWIh', 'dWHh', 'dBIh', 'dBHh'];
  for (const path of ['fused', 'generic'] as const) {
    const mine = await run(be, path);
    names.forEach((n, i) => expect(maxRelErr(mine[i]!, theirs[i]!), `${path} ${n}`).toBeLessThanOrEqual(1e-4));
  }
});
