// Bad input is rejected with an Error whose message names the argument, the expected and the
// actual value: at the model's edge (through the backend under test), and at every backend call,
// where core's checked backend (the contract checked once, for every backend) stops it.
import { describe, expect, it } from 'vitest';
import { adam, layers, Sequential, type Dataset, type HostTensor } from '@rnnkit/core';
import type { Suite } from './suite.js';

function xs(B: number, T: number, F: number, fill = 0.1): HostTensor<Float32Array> {
  return { data: new Float32Array(B * T * F).fill(fill), shape: [B, T, F] };
}

/** Runs each call; what did not throw, threw an unexpected message or (with `leaked`) left tensors alive. */
async function rejections(cases: readonly [string, () => unknown, RegExp][], leaked?: () => number): Promise<string[]> {
  const problems: string[] = [];
  for (const [what, fn, pattern] of cases) {
    let message: string | undefined;
    try {
      await fn();
    } catch (e) {
      message = e instanceof Error ? e.message : `a non-Error ${String(e)}`;
    }
    if (message === undefined) problems.push(`${what}: did not throw`);
    else if (!pattern.test(message)) problems.push(`${what}: message ${JSON.stringify(message)} does not match ${pattern}`);
    const left = leaked?.() ?? 0;
    if (left !== 0) problems.push(`${what}: left ${left} tensors alive`);
  }
  return problems;
}

export function describeBadInput(s: Suite): void {
  const recurrent = layers.lstm;

  describe('bad input', () => {
    const withModel = async (fn: (m: Sequential) => Promise<void>) => {
      const m = Sequential.create(s.backend, [recurrent({ inputSize: 3, hiddenSize: 4 }), layers.dense({ units: 3 })], { seed: 1 });
      try {
        await fn(m);
      } finally {
        m.dispose();
      }
    };
    const ok: Dataset = { x: xs(2, 5, 3), y: { data: Int32Array.from([0, 2]), shape: [2] } };
    const ce = { loss: 'softmaxCrossEntropy' as const };

    it('x with the wrong feature size', () =>
      withModel(async (m) => {
        await expect(m.predict(xs(2, 5, 4))).rejects.toThrow(/x: expected shape \[B, T, 3\], got \[2, 5, 4\]/);
        await expect(m.trainStep({ ...ok, x: xs(2, 5, 4) }, ce)).rejects.toThrow(/x: expected shape \[B, T, 3\], got \[2, 5, 4\]/);
      }));

    it('x whose data length does not match its shape', () =>
      withModel(async (m) => {
        await expect(m.predict({ data: new Float32Array(29), shape: [2, 5, 3] })).rejects.toThrow(/x: .*29.*\[2, 5, 3\].*30/);
      }));

    it('y with the wrong shape, labels out of range, regression targets of the wrong shape', () =>
      withModel(async (m) => {
        await expect(m.trainStep({ ...ok, y: { data: Int32Array.from([0, 1, 2]), shape: [3] } }, ce)).rejects.toThrow(/y: expected 2 samples \(as many as x\), got shape \[3\]/);
        await expect(m.trainStep({ ...ok, y: { data: Int32Array.from([0, 5]), shape: [2] } }, ce)).rejects.toThrow(/y: label 5 .*out of range \[0, 3\)/);
        await expect(m.trainStep({ ...ok, y: { data: Int32Array.from([-1, 0]), shape: [2] } }, ce)).rejects.toThrow(/y: label -1 .*out of range \[0, 3\)/);
        await expect(m.trainStep({ ...ok, y: { data: new Float32Array(4), shape: [2, 2] } }, { loss: 'meanSquaredError' })).rejects.toThrow(
          /y: expected shape \[2, 3\].*got \[2, 2\]/,
        );
      }));

    it('wrong dtypes: Int32Array x for a float model, Float32Array labels', () =>
      withModel(async (m) => {
        await expect(m.predict({ data: new Int32Array(30), shape: [2, 5, 3] })).rejects.toThrow(/x: expected Float32Array.*got Int32Array/);
        await expect(m.trainStep({ ...ok, y: { data: new Float32Array(2), shape: [2] } }, ce)).rejects.toThrow(/y: expected .*Int32Array.*got Float32Array/);
      }));

    it('lengths out of range or with the wrong count', () =>
      withModel(async (m) => {
        await expect(m.predict(xs(2, 5, 3), { lengths: Int32Array.from([5, 7]) })).rejects.toThrow(/lengths\[1\] = 7 is out of range \[1, 5\]/);
        await expect(m.predict(xs(2, 5, 3), { lengths: Int32Array.from([0, 5]) })).rejects.toThrow(/lengths\[0\] = 0 is out of range \[1, 5\]/);
        await expect(m.predict(xs(2, 5, 3), { lengths: Int32Array.from([5, 5, 5]) })).rejects.toThrow(/lengths: expected 2 entries.*got 3/);
      }));

    it('NaN and Infinity in x', () =>
      withModel(async (m) => {
        const nan = xs(2, 5, 3);
        nan.data[7] = NaN;
        await expect(m.predict(nan)).rejects.toThrow(/x: expected finite values, got NaN at flat index 7/);
        const inf = xs(2, 5, 3);
        inf.data[0] = -Infinity;
        await expect(m.trainStep({ ...ok, x: inf }, ce)).rejects.toThrow(/x: expected finite values, got -Infinity at flat index 0/);
      }));

    it('data, optimizer specs, seeds, initial states, weights and streamed steps: one rule on every backend, nothing left allocated', () =>
      withModel(async (m) => {
        const b = s.backend;
        const live = b.liveTensors();
        const nanState = { data: new Float32Array(8).fill(NaN), shape: [1, 2, 4] };
        const states = (h: HostTensor) => [{ h, c: { data: new Float32Array(8), shape: [1, 2, 4] } }, undefined] as never;
        const cases: [string, () => Promise<unknown>, RegExp][] = [
          ['y shorter than x', () => m.fit({ ...ok, y: { data: Int32Array.from([0]), shape: [1] } }, ce), /data\.y: expected 2 samples \(as many as x\), got shape \[1\]/],
          ['lengths longer than N', () => m.fit({ ...ok, lengths: Int32Array.from([5, 5, 5]) }, ce), /data\.lengths: expected 2 entries.*got 3/],
          ['an empty evaluation set', () => m.evaluate({ x: xs(0, 5, 3), y: { data: new Int32Array(0), shape: [0] } }, ce), /data\.x: expected at least one sample, got shape \[0, 5, 3\]/],
          ['adam with lr −1', () => m.trainStep(ok, { ...ce, optimizer: { type: 'adam', lr: -1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 } }), /adam: lr: expected a finite number >= 0, got -1/],
          ['an unknown optimizer type', () => m.trainStep(ok, { ...ce, optimizer: { type: 'foo' } as never }), /optimizer: type: expected 'adam', 'adamw', 'sgd' or 'rmsprop', got "foo"/],
          ['an optimizer field adam does not have', () => m.trainStep(ok, { ...ce, optimizer: { type: 'adam', lr: 1e-3, momentum: 0.9 } as never }), /optimizer: unknown field 'momentum' for adam/],
          ['NaN in an initial state', () => m.forward(ok.x, { initialStates: states(nanState) }), /initialStates\[0\]\.h: expected finite values, got NaN/],
          ['Int32 data as an initial state', () => m.forward(ok.x, { initialStates: states({ data: new Int32Array(8), shape: [1, 2, 4] }) }), /initialStates\[0\]\.h: expected Float32Array values, got Int32Array/],
          ['NaN in setWeights', async () => m.setWeights(new Map([...(await m.getWeights())].map(([k, v]) => [k, v.map(() => NaN)]))), /weights: '0\.weight_ih_l0': expected finite values, got NaN/],
          ['plain arrays in setWeights', async () => m.setWeights(new Map([...(await m.getWeights())].map(([k, v]) => [k, Array.from(v) as never]))), /weights: '0\.weight_ih_l0': expected Float32Array values, got Array/],
          ['Float64Array in setWeights', async () => m.setWeights(new Map([...(await m.getWeights())].map(([k, v]) => [k, Float64Array.from(v) as never]))), /expected Float32Array values, got Float64Array/],
          ['predict with T = 0', () => m.predict(xs(2, 0, 3)), /x: expected at least one time step, got shape \[2, 0, 3\]/],
          ['a fractional seed', async () => Sequential.create(b, [recurrent({ inputSize: 3, hiddenSize: 4 })], { seed: 1.5 }), /seed: expected a non-negative integer, got 1\.5/],
        ];
        const problems = await rejections(cases, () => b.liveTensors() - live);
        expect(problems, problems.join('\n')).toEqual([]);
      }));

    it('options rnnkit does not implement are errors that name them and say what to use instead', () =>
      withModel(async (m) => {
        const build = (spec: () => unknown) => () => Sequential.create(s.reference, [spec() as never], { seed: 1 }).dispose();
        const cases: [string, () => unknown, RegExp][] = [
          ['batchFirst on an LSTM', build(() => layers.lstm({ inputSize: 2, hiddenSize: 3, batchFirst: true } as never)), /unknown option 'batchFirst': rnnkit is always batch-first/],
          ['bias: false on a GRU', build(() => layers.gru({ inputSize: 2, hiddenSize: 3, bias: false } as never)), /unknown option 'bias': recurrent cells always have their biases/],
          ['bias: false on a dense layer', () => layers.dense({ units: 2, bias: false } as never), /layers\.dense: unknown option 'bias'/],
          ['trainable that is not a boolean', build(() => layers.rnn({ inputSize: 2, hiddenSize: 3, trainable: 'no' } as never)), /layers\.rnn: trainable: expected true or false, got "no"/],
          ['paddingIdx outside the vocabulary', build(() => layers.embedding({ inputDim: 5, outputDim: 2, paddingIdx: 5 })), /layer 0 \(embedding\): paddingIdx: expected an id in \[0, 5\), got 5/],
          ['maskZero on an embedding', () => layers.embedding({ inputDim: 5, outputDim: 2, maskZero: true } as never), /layers\.embedding: unknown option 'maskZero': give the data lengths: lengthsFromPadding/],
          ['dropout on a one-layer recurrent layer', build(() => layers.lstm({ inputSize: 2, hiddenSize: 3, dropout: 0.5 })), /dropout: 0\.5 does nothing with numLayers 1/],
          ['validationSplit outside (0, 1)', () => m.fit(ok, { ...ce, validationSplit: 0 }), /validationSplit: expected a number in \(0, 1\), got 0/],
          ['validation_split in fit', () => m.fit(ok, { ...ce, validation_split: 0.2 } as never), /fit: unknown option 'validation_split': use validationSplit/],
          ['a fractional initialEpoch', () => m.fit(ok, { ...ce, initialEpoch: 0.5 }), /fit: initialEpoch: expected a non-negative integer, got 0\.5/],
          ['a schedule without lr', () => m.fit(ok, { ...ce, schedule: {} as never }), /fit: schedule: lr: expected a function/],
          ['epochs in trainStep', () => m.trainStep(ok, { ...ce, epochs: 2 } as never), /trainStep: unknown option 'epochs'/],
          ['batch_size in predict', () => m.predict(ok.x, { batch_size: 2 } as never), /predict: unknown option 'batch_size'/],
          ['an unknown callback', () => m.fit(ok, { ...ce, callbacks: { onStep: () => {} } } as never), /fit: callbacks: unknown option 'onStep'/],
          ['an unknown callback in a list', () => m.fit(ok, { ...ce, callbacks: [{}, { on_epoch_end: () => {} }] } as never), /fit: callbacks\[1\]: unknown option 'on_epoch_end'/],
          ['momentum on adam', () => adam({ momentum: 0.9 } as never), /adam: unknown option 'momentum'/],
          ['betas on adam', () => adam({ betas: [0.9, 0.99] } as never), /adam: unknown option 'betas': use beta1 and beta2/],
          ['lr as a model option', () => Sequential.create(s.reference, [layers.dense({ inputSize: 2, units: 1 })], { seed: 1, lr: 0.1 } as never), /model options: unknown option 'lr'/],
        ];
        const problems = await rejections(cases);
        expect(problems, problems.join('\n')).toEqual([]);
      }));

    it('token ids out of range', async () => {
      const m = Sequential.create(s.backend, [layers.embedding({ inputDim: 10, outputDim: 3 }), recurrent({ hiddenSize: 4 }), layers.dense({ units: 2 })], { seed: 1 });
      try {
        await expect(m.predict({ data: Int32Array.from([1, 2, 12, 3]), shape: [2, 2] })).rejects.toThrow(/x: token id 12 .*out of range \[0, 10\)/);
        await expect(m.predict({ data: Int32Array.from([1, -2, 0, 3]), shape: [2, 2] })).rejects.toThrow(/x: token id -2 .*out of range \[0, 10\)/);
        await expect(m.predict({ data: new Float32Array(4), shape: [2, 2] })).rejects.toThrow(/x: expected token ids as Int32Array.*got Float32Array/);
      } finally {
        m.dispose();
      }
    });

    it('backend.tensor(): data length that does not match the shape names data, the expected and the actual length', () => {
      const b = s.backend;
      const live = b.liveTensors();
      const check = (fn: () => unknown, expected: number, actual: number) => {
        let message = '';
        try {
          fn();
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          message = (e as Error).message;
        }
        expect(message, 'tensor() must throw').not.toBe('');
        expect(message).toMatch(/data/i);
        expect(message).toMatch(new RegExp(`\\b${expected}\\b`));
        expect(message).toMatch(new RegExp(`\\b${actual}\\b`));
      };
      check(() => b.tensor(new Float32Array(5), [2, 3], 'float32'), 6, 5);
      check(() => b.tensor(new Float64Array(13), [3, 4], 'float32'), 12, 13);
      check(() => b.tensor(new Int32Array(7), [2, 4], 'int32'), 8, 7);
      check(() => b.tensor(new Float32Array(2), [], 'float32'), 1, 2);
      expect(b.liveTensors(), 'a rejected tensor() must not leave a live tensor').toBe(live);
    });

    it('backend kernels reject mismatched arguments, naming the argument, the expected and the actual value, and leak nothing', async () => {
      const b = s.backend;
      const z = (shape: number[]) => b.zeros(shape);
      // I = 2, H = 3, B = 2, T = 4; the generic path's checks are the same calls, so the fused
      // kernel of any declared cell is the one probed here (LSTM when present).
      const kind = s.fusedKinds.includes('lstm') ? 'lstm' : s.fusedKinds[0];
      const cell = kind === 'gru' ? { kind, resetAfter: true } : kind === 'rnn' ? { kind, nonlinearity: 'tanh' } : { kind: kind ?? 'lstm', unitForgetBias: false };
      const G = cell.kind === 'lstm' ? 4 : cell.kind === 'gru' ? 3 : 1;
      const params = new Map([
        ['weight_ih', z([G * 3, 2])],
        ['weight_hh', z([G * 3, 3])],
        ['bias_ih', z([G * 3])],
        ['bias_hh', z([G * 3])],
      ]);
      const x = z([2, 4, 2]);
      const wideX = z([2, 4, 5]);
      const badH0 = z([3, 3]);
      const embW = z([5, 2]);
      const ids = b.tensor(Int32Array.from([1, 7]), [1, 2], 'int32');
      const logits = z([2, 3]);
      const labels = b.tensor(Int32Array.from([1, 3]), [2], 'int32');
      const w34 = z([3, 4]);
      const b3 = z([3]);
      const x25 = z([2, 5]);
      const a23 = z([2, 3]);
      const a32 = z([3, 2]);
      const a22 = z([2, 2]);
      const img = z([1, 2, 4, 4]);
      const w2k2 = z([3, 2, 2, 2]);
      const w3k3 = z([3, 3, 3, 3]);
      const seq = z([2, 4, 3]);
      const inputs = [...params.values(), x, wideX, badH0, embW, ids, logits, labels, w34, b3, x25, a23, a32, a22, img, w2k2, w3k3, seq];
      const live = b.liveTensors();
      const kernel = kind ? b.fused[kind] : undefined;
      const rf = (over: object) => () => kernel!.forward({ cell, sizes: { inputSize: 2, hiddenSize: 3 }, params, x, reverse: false, training: false, ...over });
      const cases: { what: string; fn: () => unknown; patterns: RegExp[] }[] = [
        { what: 'embeddingForward with token id 7 for V 5', fn: () => b.embeddingForward(embW, ids, false), patterns: [/ids/, /\b7\b/, /\b5\b/] },
        { what: 'softmaxCrossEntropy with label 3 for C 3', fn: () => b.softmaxCrossEntropy(logits, labels), patterns: [/labels/, /\b3\b/] },
        { what: 'denseForward with x [2, 5] for w [3, 4]', fn: () => b.denseForward(w34, b3, x25, false), patterns: [/\bx\b/, /\b4\b/, /\[2, 5\]/] },
        { what: 'add of [2, 3] and [3, 2]', fn: () => b.add(a23, a32), patterns: [/\[2, 3\]/, /\[3, 2\]/] },
        { what: 'matmul of [2, 3] and [2, 2]', fn: () => b.matmul(a23, a22, false, false), patterns: [/matmul/, /\[2, 3\]/, /\[2, 2\]/, /\b3\b.*\b2\b/] },
        { what: 'slice past the end of axis 1 of [2, 3]', fn: () => b.slice(a23, 1, 2, 2), patterns: [/slice/, /\b2\b/, /\b3\b/] },
        { what: 'concat of [2, 3] and [3, 2] on axis 1', fn: () => b.concat([a23, a32], 1), patterns: [/concat/, /\[2, 3\]/, /\[3, 2\]/] },
        { what: 'reshape of 6 elements to [4, 2]', fn: () => b.reshape(a23, [4, 2]), patterns: [/shape/, /\b6\b/, /\b8\b|\[4, ?2\]/] },
        { what: 'meanSquaredError of [2, 3] against [2, 2]', fn: () => b.meanSquaredError(a23, a22), patterns: [/targets|predictions/, /\[2, 3\]/, /\[2, 2\]/] },
        { what: 'div of [2, 3] by [3, 2]', fn: () => b.div(a23, a32), patterns: [/div/, /\[2, 3\]/, /\[3, 2\]/] },
        { what: 'layerNorm with eps 0', fn: () => b.layerNorm(a23, 0), patterns: [/layerNorm/, /eps/, /\b0\b/] },
        { what: 'layerNormGrad of [2, 3] with dy [3, 2]', fn: () => b.layerNormGrad(a23, a32, 1e-5), patterns: [/layerNormGrad/, /\[2, 3\]/, /\[3, 2\]/] },
        { what: 'conv2d with an even kernel [3, 2, 2, 2]', fn: () => b.conv2d(img, w2k2, undefined), patterns: [/conv2d/, /\bw\b/, /odd/, /\[3, 2, 2, 2\]/] },
        { what: 'conv2d of 2 channels with a 3-channel kernel', fn: () => b.conv2d(img, w3k3, undefined), patterns: [/conv2d/, /\b2 input channels\b/, /\[3, 3, 3, 3\]/] },
        { what: 'conv2dGradFilter with kernelSize 2', fn: () => b.conv2dGradFilter(img, img, 2), patterns: [/conv2dGradFilter/, /kernelSize/, /\b2\b/] },
        { what: 'linearScan with h0 [2, 2] for a [2, 4, 3]', fn: () => b.linearScan(seq, seq, a22, false), patterns: [/linearScan/, /h0/, /\[2, 3\]/, /\[2, 2\]/] },
      ];
      if (kernel) {
        cases.push(
          { what: `fused ${kind} forward with x of 5 features for weight_ih [G·H, 2]`, fn: rf({ x: wideX }), patterns: [/\b(x|weight_ih)\b/, /\b5\b/, /\b2\b/] },
          { what: `fused ${kind} forward with h0 [3, 3] for B 2`, fn: rf({ states: [badH0] }), patterns: [/h0/, /\[3, 3\]/, /\[2, 3\]|\b2\b/] },
          { what: `fused ${kind} forward with lengths[0] = 0`, fn: rf({ lengths: Int32Array.from([0, 4]) }), patterns: [/lengths/, /\b0\b/, /\b4\b/] },
          { what: `fused ${kind} forward with lengths[0] = T + 1`, fn: rf({ lengths: Int32Array.from([5, 4]) }), patterns: [/lengths/, /\b5\b/, /\b4\b/] },
          { what: `fused ${kind} forward with 1 length for B 2`, fn: rf({ lengths: Int32Array.from([4]) }), patterns: [/lengths/, /\b2\b/, /\b1\b/] },
          { what: `fused ${kind} forward without bias_hh`, fn: rf({ params: new Map([...params].filter(([k]) => k !== 'bias_hh')) }), patterns: [/bias_hh/, /missing/] },
        );
      }
      const problems: string[] = [];
      for (const c of cases) {
        let message: string | undefined;
        try {
          await c.fn();
        } catch (e) {
          message = e instanceof Error ? e.message : `a non-Error ${String(e)}`;
        }
        if (message === undefined) problems.push(`${c.what}: did not throw`);
        else for (const p of c.patterns) if (!p.test(message)) problems.push(`${c.what}: message ${JSON.stringify(message)} does not match ${p}`);
      }
      const leaked = b.liveTensors() - live;
      inputs.forEach((t) => b.dispose(t));
      expect(problems, problems.join('\n')).toEqual([]);
      expect(leaked, 'tensors left alive by rejected calls').toBe(0);
    });
  });
}
