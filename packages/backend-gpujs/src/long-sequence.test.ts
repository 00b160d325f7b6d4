// A sequence longer than one assembly pass (T = 40: a two-level tree of 7-way joins with short tails) and a wider batch, with
// lengths and both directions, against backend-js's float64 reference.
import { createJsBackend } from '@rnnkit/backend-js';
import type { Backend, CellSpec, Tensor } from '@rnnkit/core';
import { gateCount } from '@rnnkit/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { GpujsBackend } from './backend.js';
import { createTestBackend, maxRelErr } from './test-support.js';

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
  [{ kind: 'lstm' }, false],
  [{ kind: 'gru', resetAfter: false }, true],
];

test.each(cells)('%j reverse=%s, B=3 T=40 I=4 H=6, lengths [40, 17, 1]', async (cell, reverse) => {
  const B = 3, T = 40, I = 4, H = 6, G = gateCount(cell.kind);
  const data = (n: number, s: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.61 + s) * 0.5);
  const shapes: [number, number[]][] = [[G * H * I, [G * H, I]], [G * H * H, [G * H, H]], [G * H, [G * H]], [G * H, [G * H]], [B * T * I, [B, T, I]], [B * H, [B, H]], [B * T * H, [B, T, H]], [B * H, [B, H]]];
  const run = async (b: Backend) => {
    const [wIh, wHh, bIh, bHh, x, h0, dy, dhT] = shapes.map(([n, shape], s) => b.tensor(data(n, s), shape, 'float32')) as Tensor[];
    const f = b.recurrentForward({ cell, params: { wIh: wIh!, wHh: wHh!, bIh: bIh!, bHh: bHh! }, x: x!, h0, lengths: Int32Array.from([40, 17, 1]), reverse, training: true });
    const g = b.recurrentBackward({ saved: f.saved!, dy, dhT });
    const out = await Promise.all([f.y, f.hT, g.dx, g.dh0, g.dWIh, g.dWHh, g.dBIh, g.dBHh].map((t) => b.read(t)));
    b.disposeSaved(f.saved!);
    return out;
  };
  const [mine, theirs] = [await run(be), await run(ref)];
  const names = ['y', 'hT', 'dx', 'dh0', 'dWIh', 'dWHh', 'dBIh', 'dBHh'];
  names.forEach((n, i) => expect(maxRelErr(mine[i]!, theirs[i]!), n).toBeLessThanOrEqual(1e-4));
});
