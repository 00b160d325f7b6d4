// Weights both ways with real PyTorch (Debian's python3-torch): a model's state_dict saved by
// rnnkit loads into torch.nn modules with load_state_dict(strict=True) and gives the same
// outputs, and a state_dict written by PyTorch (F32, F64, F16, BF16) loads into rnnkit and gives
// PyTorch's outputs. Skipped, with the reason in the test's name, where python3-torch is absent.
// Debian has no Python safetensors package, so the script reads and writes the format with
// struct + json exactly as safetensors.torch does (header, little-endian data).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layers, Sequential, type HostTensor } from '@rnnkit/core';
import { expectClose } from './compare.js';
import type { Suite } from './suite.js';
import { suiteTempDir } from './temp-dir.js';

const PYTHON = '/usr/bin/python3';

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

const SCRIPT = String.raw`
import json, struct, sys
import torch
from torch import nn

torch.set_num_threads(1)
DT = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16}
NAME = {v: k for k, v in DT.items()}

def load_file(path):
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    header.pop('__metadata__', None)
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info['data_offsets']
        t = torch.frombuffer(bytearray(data[b:e]), dtype=DT[info['dtype']]) if e > b else torch.zeros(0, dtype=DT[info['dtype']])
        out[name] = t.reshape(info['shape']).clone()
    return out

def save_file(tensors, path):
    header, chunks, at = {}, [], 0
    for name, t in tensors.items():
        b = t.contiguous().view(torch.uint8).numpy().tobytes() if t.dtype == torch.bfloat16 else t.contiguous().numpy().tobytes()
        header[name] = {'dtype': NAME[t.dtype], 'shape': list(t.shape), 'data_offsets': [at, at + len(b)]}
        chunks.append(b)
        at += len(b)
    header['__metadata__'] = {'format': 'pt'}
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(chunks))

class Tagger(nn.Module):
    # embedding -> 2-layer bidirectional LSTM -> linear on the final states (rnnkit's returnSequences: false)
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(11, 4)
        self.lstm = nn.LSTM(4, 5, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(10, 3)
    def forward(self, ids):
        _, (h, _) = self.lstm(self.embed(ids))
        return self.fc(torch.cat([h[-2], h[-1]], 1))

class Regressor(nn.Module):
    # GRU (2 layers) and a projected LSTM, each to a linear head on the last output
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 6, num_layers=2, batch_first=True)
        self.proj = nn.LSTM(6, 5, batch_first=True, proj_size=2)
        self.fc = nn.Linear(2, 2)
    def forward(self, x):
        y, _ = self.gru(x)
        _, (h, _) = self.proj(y)
        return self.fc(h[-1])

job = json.loads(sys.stdin.read())
if job['task'] == 'load':
    m = Tagger()
    m.load_state_dict(load_file(job['path']), strict=True)
    seq = nn.Sequential(nn.Embedding(11, 4), nn.LSTM(4, 5, num_layers=2, batch_first=True, bidirectional=True), nn.Linear(10, 3))
    seq.load_state_dict(load_file(job['sequential']), strict=True)
    # rnnkit's own checkpoint (layers, seed and optimizer state in its metadata) loads the same way.
    ck = nn.Sequential(nn.Embedding(11, 4), nn.LSTM(4, 5, num_layers=2, batch_first=True, bidirectional=True), nn.Linear(10, 3))
    ck.load_state_dict(load_file(job['checkpoint']), strict=True)
    assert all(torch.equal(a, b) for a, b in zip(ck.state_dict().values(), seq.state_dict().values()))
    ids = torch.tensor(job['ids'], dtype=torch.long)
    with torch.no_grad():
        print(json.dumps({'y': m(ids).flatten().tolist()}))
else:
    torch.manual_seed(5)
    m = Regressor()
    x = torch.tensor(job['x'], dtype=torch.float32).reshape(job['shape'])
    out = {}
    for dt in ['F32', 'F64', 'F16', 'BF16']:
        sd = {k: v.detach().to(DT[dt]) for k, v in m.state_dict().items()}
        save_file(sd, job['dir'] + '/' + dt + '.safetensors')
        # PyTorch's outputs from exactly the weights the file holds, in float32.
        r = Regressor()
        r.load_state_dict({k: v.to(torch.float32) for k, v in sd.items()}, strict=True)
        with torch.no_grad():
            out[dt] = r(x).flatten().tolist()
    print(json.dumps(out))
`;

function python(job: object): unknown {
  const r = spawnSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(job), encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`python3 (torch) failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export function describePytorchInterop(s: Suite): void {
  const available = torchAvailable();
  const title = available ? 'PyTorch interop (python3-torch): state_dicts both ways' : 'PyTorch interop: skipped, python3-torch is not installed (apt install python3-torch)';
  describe(title, () => {
    const dir = suiteTempDir('rnnkit-torch-');

    it('strict by default: missing, unexpected and mis-shaped keys are one error listing each; strict: false loads the rest and reports them', async () => {
      const model = Sequential.create(s.backend, [layers.gru({ inputSize: 2, hiddenSize: 3 }), layers.dense({ units: 1 })], { seed: 2 });
      try {
        const sd = await model.stateDict();
        const before = await model.getWeights();
        const bad = new Map(sd);
        bad.delete('0.bias_hh_l0');
        bad.set('0.weight_hr_l0', { data: new Float32Array(3), shape: [1, 3] });
        bad.set('1.weight', { data: new Float32Array(6), shape: [2, 3] });
        const changed = { data: sd.get('0.weight_ih_l0')!.data.map((v) => v + 1), shape: sd.get('0.weight_ih_l0')!.shape };
        bad.set('0.weight_ih_l0', changed);
        await expect(model.loadStateDict(bad)).rejects.toThrow(
          /missing 1 \(0\.bias_hh_l0\); unexpected 1 \(0\.weight_hr_l0\); wrong shape 1 \(1\.weight: expected \[1, 3\], got \[2, 3\]\)/,
        );
        // Nothing changed by the rejected call.
        for (const [k, v] of await model.getWeights()) expectClose(v, before.get(k)!, 0, `${k} after a rejected load`);
        const report = await model.loadStateDict(bad, { strict: false });
        expect(report).toMatchObject({ missing: ['0.bias_hh_l0'], unexpected: ['0.weight_hr_l0'], mismatched: [{ name: '1.weight', expected: [1, 3], got: [2, 3] }] });
        expectClose((await model.getWeights()).get('0.weight_ih_l0')!, changed.data, 0, 'a matching key loaded with strict: false');
        expectClose((await model.getWeights()).get('1.weight')!, before.get('1.weight')!, 0, 'a mis-shaped key left as it was');
        // Names map both ways.
        const mapped = await model.stateDict({ names: { '0.': 'rnn.', '1.': 'head.' } });
        expect([...mapped.keys()].sort()).toEqual(['head.bias', 'head.weight', 'rnn.bias_hh_l0', 'rnn.bias_ih_l0', 'rnn.weight_hh_l0', 'rnn.weight_ih_l0']);
        const again = await model.loadStateDict(mapped, { names: { '0.': 'rnn.', '1.': 'head.' } });
        expect(again.loaded.length).toBe(6);
      } finally {
        model.dispose();
      }
    });

    it.skipIf(!available)('rnnkit → PyTorch: saveStateDict and model.save (with optimizer state) load with load_state_dict(strict=True), into a named module and into nn.Sequential, same outputs', async () => {
      const model = Sequential.create(
        s.backend,
        [layers.embedding({ inputDim: 11, outputDim: 4 }), layers.lstm({ hiddenSize: 5, numLayers: 2, bidirectional: true }), layers.dense({ units: 3 })],
        { seed: 3 },
      );
      try {
        const ids: HostTensor<Int32Array> = { data: Int32Array.from({ length: 12 }, (_, i) => (i * 7) % 11), shape: [3, 4] };
        const named = join(dir(), 'named.safetensors');
        const plain = join(dir(), 'sequential.safetensors');
        const checkpoint = join(dir(), 'checkpoint.safetensors');
        if (s.caps.training) await model.trainStep({ x: ids, y: { data: Int32Array.from([0, 1, 2]), shape: [3] } }, { loss: 'softmaxCrossEntropy' });
        await model.save(checkpoint);
        await model.saveStateDict(named, { names: { '0.': 'embed.', '1.': 'lstm.', '2.': 'fc.' } });
        await model.saveStateDict(plain);
        const torch = python({ task: 'load', path: named, sequential: plain, checkpoint, ids: [[...ids.data.slice(0, 4)], [...ids.data.slice(4, 8)], [...ids.data.slice(8)]] }) as { y: number[] };
        expectClose(torch.y, (await model.predict(ids)).data, s.tol.host, 'PyTorch outputs with rnnkit weights vs predict');
      } finally {
        model.dispose();
      }
    });

    it.skipIf(!available)('PyTorch → rnnkit: state_dicts in F32, F64, F16 and BF16 load strictly through a name map, with PyTorch outputs', async () => {
      const x = Float32Array.from({ length: 2 * 5 * 3 }, (_, i) => Math.sin(i));
      const want = python({ task: 'save', dir: dir(), x: [...x], shape: [2, 5, 3] }) as Record<string, number[]>;
      const specs = [layers.gru({ inputSize: 3, hiddenSize: 6, numLayers: 2, returnSequences: true }), layers.lstm({ hiddenSize: 5, projSize: 2 }), layers.dense({ units: 2 })];
      for (const dt of ['F32', 'F64', 'F16', 'BF16']) {
        const model = Sequential.create(s.backend, specs, { seed: 1 });
        try {
          const report = await model.loadStateDict(join(dir(), `${dt}.safetensors`), { names: { '0.': 'gru.', '1.': 'proj.', '2.': 'fc.' } });
          expect(report.missing.length + report.unexpected.length + report.mismatched.length, `${dt}: report`).toBe(0);
          expect(report.loaded.length).toBe(model.parameterShapes().size);
          expectClose((await model.predict({ data: x, shape: [2, 5, 3] })).data, want[dt]!, s.tol.host, `${dt}: predict vs PyTorch`);
        } finally {
          model.dispose();
        }
      }
    });
  });
}
