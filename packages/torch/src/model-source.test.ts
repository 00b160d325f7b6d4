// model.py against rnnkit, cell by cell, with real PyTorch: every exportable layer configuration
// loads rnnkit's state_dict strictly and gives rnnkit's outputs (float32 tolerance). Also what the
// exporter refuses, and how it says so. PyTorch cases skip visibly where python3-torch is absent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sequential } from '@rnnkit/backend-js';
import { adam, layers, Rng, stepLR, type Dataset, type LayerSpec, type LossName } from '@rnnkit/core';
import { exportTorch } from './export-torch.js';
import { torchModelSource } from './model-source.js';
import { decodeNpy } from './npy.js';
import { python, tempDir, torchAvailable } from './test-support.js';

const N = 5;
const T = 4;
const I = 3;

function floats(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

interface Case {
  readonly name: string;
  readonly layers: LayerSpec[];
  readonly loss: LossName;
  readonly data: (rng: Rng) => Dataset;
}

const features = (rng: Rng): Dataset => ({ x: { data: floats(rng, N * T * I), shape: [N, T, I] }, y: { data: Int32Array.from({ length: N }, (_, i) => i % 2), shape: [N] } });
const head = layers.dense({ units: 2 });

const CASES: Case[] = [
  { name: 'rnn relu, 2 layers, bidirectional, dropout (nn.RNN)', layers: [layers.rnn({ inputSize: I, hiddenSize: 4, numLayers: 2, bidirectional: true, dropout: 0.3, nonlinearity: 'relu' }), head], loss: 'softmaxCrossEntropy', data: features },
  { name: 'lstm, 2 layers, bidirectional (nn.LSTM)', layers: [layers.lstm({ inputSize: I, hiddenSize: 4, numLayers: 2, bidirectional: true }), head], loss: 'softmaxCrossEntropy', data: features },
  { name: 'lstm projSize (nn.LSTM proj_size)', layers: [layers.lstm({ inputSize: I, hiddenSize: 5, projSize: 2, bidirectional: true }), head], loss: 'softmaxCrossEntropy', data: features },
  { name: 'gru resetAfter (nn.GRU), stacked on a sequence', layers: [layers.gru({ inputSize: I, hiddenSize: 4, bidirectional: true, returnSequences: true }), layers.gru({ hiddenSize: 3 }), head], loss: 'softmaxCrossEntropy', data: features },
  { name: 'gru resetAfter: false (hand-written)', layers: [layers.gru({ inputSize: I, hiddenSize: 4, numLayers: 2, bidirectional: true, resetAfter: false }), head], loss: 'softmaxCrossEntropy', data: features },
  { name: 'ctrnn alpha 0.3 relu', layers: [layers.ctrnn({ inputSize: I, hiddenSize: 4, alpha: 0.3, nonlinearity: 'relu', numLayers: 2 }), head], loss: 'softmaxCrossEntropy', data: features },
  { name: 'jordan, bidirectional, 2 layers', layers: [layers.jordan({ inputSize: I, hiddenSize: 4, outputSize: 3, bidirectional: true, numLayers: 2 }), head], loss: 'softmaxCrossEntropy', data: features },
  { name: 'minGru, bidirectional', layers: [layers.minGru({ inputSize: I, hiddenSize: 4, bidirectional: true, numLayers: 2 }), head], loss: 'softmaxCrossEntropy', data: features },
  { name: 'minLstm', layers: [layers.minLstm({ inputSize: I, hiddenSize: 4 }), head], loss: 'softmaxCrossEntropy', data: features },
  { name: 'lstm peephole, bidirectional', layers: [layers.lstm({ inputSize: I, hiddenSize: 4, peephole: true, bidirectional: true }), head], loss: 'softmaxCrossEntropy', data: features },
  { name: 'lstm layerNorm, 2 layers', layers: [layers.lstm({ inputSize: I, hiddenSize: 4, layerNorm: true, numLayers: 2 }), head], loss: 'softmaxCrossEntropy', data: features },
  {
    name: 'embedding (paddingIdx) → lstm every step → dense per step, frozen embedding',
    layers: [layers.embedding({ inputDim: 7, outputDim: 3, paddingIdx: 0, trainable: false }), layers.lstm({ hiddenSize: 4, returnSequences: true }), layers.dense({ units: 3 })],
    loss: 'sequenceCrossEntropy',
    data: () => ({ x: { data: Int32Array.from({ length: N * T }, (_, i) => (i * 5) % 7), shape: [N, T] }, y: { data: Int32Array.from({ length: N * T }, (_, i) => i % 3), shape: [N, T] } }),
  },
  {
    name: 'convLstm 3×3 → convLstm to one channel, last frame (hand-written conv2d)',
    layers: [layers.convLstm({ inChannels: 1, hiddenChannels: 2, kernelSize: 3, returnSequences: true, bidirectional: true }), layers.convLstm({ hiddenChannels: 1, kernelSize: 3 })],
    loss: 'meanSquaredError',
    data: (rng) => ({ x: { data: floats(rng, N * T * 1 * 4 * 5), shape: [N, T, 1, 4, 5] }, y: { data: floats(rng, N * 4 * 5), shape: [N, 1, 4, 5] } }),
  },
];

// Runs each exported model.py on its own test inputs in eval mode and saves the outputs.
const FORWARD = String.raw`
import importlib.util, json, os, sys
import numpy as np, torch
torch.set_num_threads(1)
dirs = json.loads(sys.stdin.read())
sys.path.insert(0, dirs[0])
from rnnkit_io import load_file
for i, d in enumerate(dirs):
    spec = importlib.util.spec_from_file_location(f'model_{i}', os.path.join(d, 'model.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.Model()
    m.load_state_dict(load_file(os.path.join(d, 'initial.safetensors')), strict=True)
    m.eval()
    x = torch.from_numpy(np.load(os.path.join(d, 'data', 'test-x.npy')))
    if x.dtype == torch.int32:
        x = x.long()
    with torch.no_grad():
        np.save(os.path.join(d, 'out.npy'), m(x).numpy())
`;

const hasTorch = torchAvailable();

describe(hasTorch ? 'model.py equals the rnnkit model (python3-torch): every exportable cell' : 'model.py equals the rnnkit model: skipped, python3-torch is not installed (apt install python3-torch)', () => {
  const root = tempDir('rnnkit-torch-cells-');
  it.skipIf(!hasTorch)(`${CASES.length} layer configurations: strict load and the same outputs`, async () => {
    const dirs: string[] = [];
    const expected: Float32Array[] = [];
    for (const [i, c] of CASES.entries()) {
      const rng = new Rng(100 + i);
      const model = await sequential(c.layers, { seed: i });
      try {
        // Random weights everywhere (peepholes start at zero, LayerNorm at γ = 1, β = 0), except the padding row.
        const weights = new Map([...model.parameterShapes()].map(([name, shape]) => [name, floats(rng, shape.reduce((a, b) => a * b, 1), 0.6)]));
        if (c.layers[0]!.type === 'embedding') weights.get('0.weight')!.fill(0, 0, 3);
        model.setWeights(weights);
        const data = c.data(rng);
        const dir = join(root, String(i));
        await exportTorch(model, { train: data, test: data }, { outDir: dir, loss: c.loss });
        dirs.push(dir);
        expected.push((await model.predict(data.x)).data);
      } finally {
        model.dispose();
      }
    }
    python(['-c', FORWARD], root, JSON.stringify(dirs));
    for (const [i, c] of CASES.entries()) {
      const got = decodeNpy(new Uint8Array(readFileSync(join(dirs[i]!, 'out.npy'))));
      expect(got.data.length, c.name).toBe(expected[i]!.length);
      let max = 0;
      for (let k = 0; k < got.data.length; k++) max = Math.max(max, Math.abs(got.data[k]! - expected[i]![k]!));
      expect(max, `${c.name}: max |PyTorch − rnnkit|`).toBeLessThan(1e-5);
    }
  });
});

describe('exportTorch refuses what train.py would not reproduce, naming it', () => {
  const root = tempDir('rnnkit-torch-refuse-');
  const data = features(new Rng(1));

  it('fit options it does not export, unknown options, optimizer fields, lengths', async () => {
    const model = await sequential([layers.lstm({ inputSize: I, hiddenSize: 2 }), head]);
    try {
      const base = { outDir: join(root, 'a'), loss: 'softmaxCrossEntropy' as const };
      await expect(exportTorch(model, data, { ...base, schedule: stepLR({ stepSize: 1 }) } as never)).rejects.toThrow(/schedule: not reproduced by the PyTorch export \(learning-rate schedules/);
      await expect(exportTorch(model, data, { ...base, validationSplit: 0.1 } as never)).rejects.toThrow(/validationSplit: not reproduced/);
      await expect(exportTorch(model, data, { ...base, batch_size: 3 } as never)).rejects.toThrow(/unknown option 'batch_size'/);
      await expect(exportTorch(model, data, { ...base, optimizer: { ...adam(), amsgrad: true } as never })).rejects.toThrow(/exportTorch: optimizer: unknown field 'amsgrad' for adam/);
      await expect(exportTorch(model, { ...data, lengths: Int32Array.of(4, 4, 3, 2, 1) }, base)).rejects.toThrow(/data\.train\.lengths: per-sample sequence lengths are not exported/);
      await expect(exportTorch(model, { x: data.x, y: { data: new Float32Array(N), shape: [N] } }, base)).rejects.toThrow(/data\.train\.y: softmaxCrossEntropy takes Int32Array targets, got Float32Array/);
    } finally {
      model.dispose();
    }
  });

  it('a model with optimizer state needs freshOptimizer: true', async () => {
    const model = await sequential([layers.gru({ inputSize: I, hiddenSize: 2 }), head]);
    try {
      await model.trainStep(data, { loss: 'softmaxCrossEntropy', optimizer: adam() });
      await expect(exportTorch(model, data, { outDir: join(root, 'b'), loss: 'softmaxCrossEntropy' })).rejects.toThrow(/has adam optimizer state \(1 steps\).*freshOptimizer: true/);
      const r = await exportTorch(model, data, { outDir: join(root, 'b'), loss: 'softmaxCrossEntropy', freshOptimizer: true });
      expect(r.files).toContain('model.py');
      await expect(exportTorch(model, data, { outDir: join(root, 'b'), loss: 'softmaxCrossEntropy', freshOptimizer: true })).rejects.toThrow(/outDir: .* is not empty .*overwrite: true/);
    } finally {
      model.dispose();
    }
  });

  it('a cell or option with no PyTorch form is an error naming it, and no model.py is written', () => {
    const layout = (spec: LayerSpec) => ({ specs: [spec], layers: [{ input: { kind: 'sequence', features: 3 }, params: [] }] });
    expect(() => torchModelSource(layout({ type: 'recurrent', cell: 'liquid', hiddenSize: 2, numLayers: 1, bidirectional: false, returnSequences: false, dropout: 0, options: {} }))).toThrow(
      /layer 0 \(liquid\): cell 'liquid' has no PyTorch form in @rnnkit\/torch \(exportable cells: rnn, lstm, gru/,
    );
    expect(() => torchModelSource(layout({ type: 'dense', units: 2, activation: 'relu' } as never))).toThrow(/layer 0 \(dense\): option 'activation' is not reproduced/);
  });
});
