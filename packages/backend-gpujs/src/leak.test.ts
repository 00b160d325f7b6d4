// 1000 training steps must leak neither handles (liveTensors) nor GL textures: we count the GL
// context's createTexture/deleteTexture calls, so a handle that is "freed" without deleting its
// texture is caught too. The same for core's generic path, which runs on the primitives. And a
// backend created, trained and closed again and again must keep the process's memory flat: close()
// frees the kernels, their textures and the GL context itself, at once (issue #18).
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CellSpec, Tensor } from '@rnnkit/core';
import { gateCount, lstmCell } from '@rnnkit/core';
import { disposeGenericSaved, genericBackward, genericForward } from '@rnnkit/core/internal';
import type { GpujsBackend } from './backend.js';
import { adam, layers, sequential } from './index.js';
import { allowFallback, createTestBackend, recurrentParams } from './test-support.js';

let be: GpujsBackend;
let liveGlTextures = (): number => 0;
beforeAll(async () => {
  be = await createTestBackend();
  const gl = (be.engine.gpu as unknown as { context: Record<string, (...a: unknown[]) => unknown> | null }).context;
  if (gl) {
    let net = 0;
    const create = gl.createTexture!.bind(gl);
    const del = gl.deleteTexture!.bind(gl);
    gl.createTexture = () => (net++, create());
    gl.deleteTexture = (t: unknown) => (t ? net-- : 0, del(t));
    liveGlTextures = () => net;
  } else if (!allowFallback) {
    throw new Error('no GL context on the gpu.js instance');
  }
});
afterAll(() => be?.close());

function trainer(cell: CellSpec, reverse: boolean) {
  const B = 2, T = 4, I = 3, H = 5, C = 3;
  const G = gateCount(cell.kind);
  const rnd = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + s) * 0.3);
  const p = (n: number, shape: number[], s: number) => be.tensor(rnd(n, s), shape, 'float32');
  const params: Tensor[] = [p(G * H * I, [G * H, I], 1), p(G * H * H, [G * H, H], 2), p(G * H, [G * H], 3), p(G * H, [G * H], 4), p(C * H, [C, H], 5), p(C, [C], 6)];
  const moments = params.flatMap((t) => [be.zeros(t.shape), be.zeros(t.shape)]);
  const x = p(B * T * I, [B, T, I], 7);
  const labels = be.tensor(Int32Array.from([0, 2]), [B], 'int32');
  let step = 0;
  const run = async (): Promise<void> => {
    step++;
    const [wIh, wHh, bIh, bHh, dw, db] = params as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const kernel = be.fused[cell.kind];
    const fwd = await kernel.forward({ cell, sizes: { inputSize: I, hiddenSize: H }, params: recurrentParams(wIh, wHh, bIh, bHh), x, lengths: Int32Array.from([4, 2]), reverse, training: true });
    const [hT, cT] = fwd.states as [Tensor, Tensor | undefined];
    const dense = await be.denseForward(dw, db, hT, true);
    const loss = await be.softmaxCrossEntropy(dense.y, labels);
    const dd = await be.denseBackward(dense.saved!, loss.grad);
    const g = await kernel.backward({ saved: fwd.saved!, dy: fwd.y, dStates: [dd.dx, cT] });
    const grads = [g.grads.get('weight_ih')!, g.grads.get('weight_hh')!, g.grads.get('bias_ih')!, g.grads.get('bias_hh')!, dd.dw, dd.db];
    const norm = await be.sumSquares(grads);
    for (const gr of grads) await be.scaleInPlace(gr, 0.5);
    for (const [i, gr] of grads.entries()) await be.adamUpdate(params[i]!, gr, moments[2 * i]!, moments[2 * i + 1]!, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step });
    be.disposeSaved(fwd.saved!);
    be.disposeSaved(dense.saved!);
    for (const t of [fwd.y, ...fwd.states, dense.y, loss.loss, loss.grad, dd.dx, g.dx, ...g.dStates, norm, ...grads]) be.dispose(t);
  };
  const free = (): void => [...params, ...moments, x, labels].forEach((t) => be.dispose(t));
  return { run, free, params };
}

test('1000 LSTM training steps (lengths, dense head, loss, clipping maths, Adam) leak no handle and no texture', async () => {
  const live0 = be.liveTensors();
  const tr = trainer({ kind: 'lstm', unitForgetBias: false }, false);
  // Warm-up: compiles every kernel. Each gpu.js kernel keeps its latest output texture, and a
  // kernel fed its own previous output (the per-step state kernels) keeps a reference to that
  // argument until its next call: a fixed number of textures per compiled kernel, not per step.
  for (let i = 0; i < 3; i++) await tr.run();
  const live1 = be.liveTensors();
  const gl1 = liveGlTextures();
  for (let i = 3; i < 1000; i++) await tr.run();
  expect(be.liveTensors()).toBe(live1);
  expect(liveGlTextures()).toBe(gl1);
  const v = await be.read(tr.params[0]!);
  expect(v.every(Number.isFinite)).toBe(true);
  tr.free();
  expect(be.liveTensors()).toBe(live0);
}, 240_000);

test('the other cells and the reverse direction free their temporaries too', async () => {
  const cells: [CellSpec, boolean][] = [
    [{ kind: 'gru', resetAfter: false }, true],
    [{ kind: 'gru', resetAfter: true }, false],
    [{ kind: 'rnn', nonlinearity: 'relu' }, true],
  ];
  for (const [cell, reverse] of cells) {
    const live0 = be.liveTensors();
    const tr = trainer(cell, reverse);
    for (let i = 0; i < 3; i++) await tr.run();
    const gl1 = liveGlTextures();
    for (let i = 0; i < 20; i++) await tr.run();
    expect(liveGlTextures(), JSON.stringify(cell)).toBe(gl1);
    tr.free();
    expect(be.liveTensors()).toBe(live0);
  }
});

test("core's generic path (a cell's step over time in the primitives) leaks no texture and compiles nothing once warmed", async () => {
  const B = 3, T = 5, I = 2, H = 4;
  const cell = lstmCell.configure({}, 'test');
  const sizes = { inputSize: I, hiddenSize: H };
  const rnd = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + s) * 0.4);
  const params = recurrentParams(
    be.tensor(rnd(4 * H * I, 1), [4 * H, I], 'float32'),
    be.tensor(rnd(4 * H * H, 2), [4 * H, H], 'float32'),
    be.tensor(rnd(4 * H, 3), [4 * H], 'float32'),
    be.tensor(rnd(4 * H, 4), [4 * H], 'float32'),
  );
  const x = be.tensor(rnd(B * T * I, 5), [B, T, I], 'float32');
  const live0 = be.liveTensors();
  const run = async (k: number): Promise<void> => {
    const fwd = await genericForward(be, lstmCell, cell, sizes, params, { x, lengths: Int32Array.from([5, 3, 1]), reverse: k % 2 === 1, training: true });
    const g = await genericBackward(be, fwd.saved!, { dy: fwd.y, dStates: [fwd.states[0]] });
    disposeGenericSaved(be, fwd.saved!);
    for (const t of [fwd.y, ...fwd.states, g.dx, ...g.dStates, ...g.grads.values()]) be.dispose(t);
  };
  for (let k = 0; k < 2; k++) await run(k);
  const kernels = be.engine.kernelCount();
  const gl1 = liveGlTextures();
  for (let k = 2; k < 12; k++) await run(k);
  expect(be.engine.kernelCount()).toBe(kernels);
  expect(liveGlTextures()).toBe(gl1);
  expect(be.liveTensors()).toBe(live0);
  for (const t of [...params.values(), x]) be.dispose(t);
});

test('close() frees the GL context at once, not on a later timer', async () => {
  const b = await createTestBackend();
  const gl = (b.engine.gpu as unknown as { context: { createTexture(): unknown } | null }).context;
  const t = b.zeros([3]);
  b.close();
  if (gl) expect(() => gl.createTexture()).toThrow(/Invalid GL context/);
  expect((b.engine.gpu as unknown as { kernels: unknown[] }).kernels).toHaveLength(0);
  await expect(b.read(t)).rejects.toThrow(/gpujs backend: used after close\(\)/);
});

// RSS after a full GC (vitest.config.ts runs the workers with --expose-gc), once per cycle, with
// no macrotask between cycles: gpu.js's own gpu.destroy() frees the context in a setTimeout that
// such a loop never reaches, which grew RSS by about 34 MiB per backend. A correctness check on
// memory only (no timing): it cannot flake on a busy machine. Measured after the fix: about
// 0.1–0.4 MiB per cycle over cycles 5..20, decaying (Mesa and malloc settling), far below both
// bounds.
test('a backend created, trained and closed 20 times keeps RSS flat (within 10% after warm-up)', async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('this test needs global.gc: run vitest with this package\'s config (execArgv --expose-gc)');
  const N = 20;
  const WARM = 5;
  const MiB = 1024 * 1024;
  const B = 8, T = 5, I = 3;
  const data = {
    x: { data: Float32Array.from({ length: B * T * I }, (_, i) => Math.sin(i * 0.7)), shape: [B, T, I] },
    y: { data: Int32Array.from({ length: B }, (_, i) => i % 2), shape: [B] },
  };
  const backendOptions = allowFallback ? { mode: 'auto' as const } : { requireWebGL: true };
  const rss: number[] = [];
  for (let c = 0; c < N; c++) {
    // The model owns the backend it creates: dispose() closes it.
    const model = await sequential([layers.lstm({ inputSize: I, hiddenSize: 8 }), layers.dense({ units: 2 })], { seed: c, backendOptions });
    for (let s = 0; s < 2; s++) await model.trainStep(data, { loss: 'softmaxCrossEntropy', optimizer: adam() });
    model.dispose();
    gc();
    rss.push(process.memoryUsage().rss / MiB);
  }
  const base = rss[WARM - 1]!;
  const figures = rss.map((r) => r.toFixed(0)).join(' ');
  const perCycle = (rss[N - 1]! - base) / (N - WARM);
  expect(Math.max(...rss.slice(WARM)), `RSS per cycle (MiB): ${figures}`).toBeLessThanOrEqual(base * 1.1);
  expect(perCycle, `RSS per cycle (MiB): ${figures}`).toBeLessThan(1);
});
