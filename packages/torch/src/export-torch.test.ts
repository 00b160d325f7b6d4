// The whole loop with real PyTorch: export a small MNIST LSTM, train it with torchrun on two
// Gloo (CPU) ranks, check the ranks hold identical weights after every step, that the result is
// a one-process PyTorch run on the same global batches, and that rnnkit loads it strictly and
// reproduces PyTorch's predictions and accuracy. Skips visibly where python3-torch is absent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sequential } from '@rnnkit/backend-js';
import { adam, layers, takeFirst } from '@rnnkit/core';
import { loadMnist } from '@rnnkit/datasets';
import { exportTorch } from './export-torch.js';
import { decodeNpy } from './npy.js';
import { loadTorchResult } from './torch-result.js';
import { python, tempDir, torchAvailable } from './test-support.js';

const hasTorch = torchAvailable();
// torch 1.13's launcher on Python 3.11 maps its default '0' (no redirection) to None, because
// 3.11 no longer iterates a Flag's zero member, and crashes; any non-zero value avoids it (README).
const TORCHRUN_FIXES = ['--redirects', '1', '--tee', '1'];
const STEPS = 4;
const PER_RANK = 16;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe(hasTorch ? 'DDP with torchrun (python3-torch, Gloo, 2 ranks): train in PyTorch, bring it back' : 'DDP with torchrun: skipped, python3-torch is not installed (apt install python3-torch)', () => {
  const dir = tempDir('rnnkit-torch-ddp-');

  it.skipIf(!hasTorch)(`${STEPS} steps on 2 ranks × ${PER_RANK}: identical replicas, equal to one process × ${2 * PER_RANK}, and rnnkit reproduces PyTorch`, async () => {
    const { train, test } = await loadMnist({ normalize: true });
    const data = { train: takeFirst(train, 256), test: takeFirst(test, 128) };
    const spec = [layers.lstm({ inputSize: 28, hiddenSize: 16 }), layers.dense({ units: 10 })];
    const model = await sequential(spec, { seed: 7 });
    const ddp = await sequential(spec, { seed: 0 });
    const single = await sequential(spec, { seed: 0 });
    try {
      const initial = await model.getWeights();
      const r = await exportTorch(model, data, {
        outDir: join(dir, 'export'),
        loss: 'softmaxCrossEntropy',
        optimizer: adam({ lr: 1e-2, weightDecay: 1e-4 }),
        batchSize: PER_RANK,
        epochs: 1,
        seed: 3,
        clipNorm: 1,
      });
      expect(r.config).toMatchObject({ batchSize: PER_RANK, clipNorm: 1, optimizer: { type: 'adam', lr: 1e-2, weightDecay: 1e-4 } });
      const out = r.outDir;
      const common = ['--max-steps', String(STEPS), '--predictions', '--threads', '1'];
      python(['-m', 'torch.distributed.run', ...TORCHRUN_FIXES, '--standalone', '--nproc_per_node=2', 'train.py', ...common, '--check-replicas', '--out', 'ddp'], out);
      python(['train.py', ...common, '--batch-size', String(2 * PER_RANK), '--out', 'single'], out);

      // Both runs load back strictly (every key, every shape).
      const a = await loadTorchResult(ddp, join(out, 'ddp'));
      const b = await loadTorchResult(single, join(out, 'single'));
      expect(a.report.loaded.length).toBe(6);
      expect(a.metrics).toMatchObject({ worldSize: 2, perRankBatch: PER_RANK, globalBatch: 2 * PER_RANK, steps: STEPS });
      expect(b.metrics).toMatchObject({ worldSize: 1, globalBatch: 2 * PER_RANK, steps: STEPS });

      // The ranks agree after every step (DDP all-reduces gradients; same update everywhere).
      const replicas = a.metrics.replicaMaxDiff!;
      expect(replicas).toHaveLength(STEPS);
      const replicaMax = Math.max(...replicas);
      expect(replicaMax).toBeLessThanOrEqual(1e-6);

      // DDP on 2 × 16 is one process on the same 32 samples per step: DistributedSampler's rank r
      // takes positions r, r + 2, ... of one shuffled order, so each step's union is the same batch.
      const wa = await ddp.getWeights();
      const wb = await single.getWeights();
      let ddpVsSingle = 0;
      let moved = 0;
      for (const [name, v] of wa) {
        ddpVsSingle = Math.max(ddpVsSingle, maxDiff(v, wb.get(name)!));
        moved = Math.max(moved, maxDiff(v, initial.get(name)!));
      }
      expect(moved).toBeGreaterThan(1e-3);
      expect(ddpVsSingle).toBeLessThan(1e-5);

      // rnnkit with PyTorch's trained weights: PyTorch's logits, loss and accuracy.
      const logits = decodeNpy(new Uint8Array(readFileSync(join(out, 'ddp', 'predictions.npy'))));
      const mine = await ddp.predict(data.test.x);
      const predictionDiff = maxDiff(mine.data, logits.data);
      expect(predictionDiff).toBeLessThan(1e-5);
      const evaluated = await ddp.evaluate(data.test, { loss: 'softmaxCrossEntropy' });
      const torchTest = a.metrics.test!;
      expect(Math.abs(evaluated.accuracy! - torchTest.accuracy!)).toBeLessThanOrEqual(1 / data.test.x.shape[0]!);
      expect(Math.abs(evaluated.loss - torchTest.loss)).toBeLessThan(1e-5);
      console.log(
        JSON.stringify({ replicaMax, ddpVsSingle, predictionDiff, accuracy: { rnnkit: evaluated.accuracy, torch: torchTest.accuracy }, loss: { rnnkit: evaluated.loss, torch: torchTest.loss } }),
      );
    } finally {
      model.dispose();
      ddp.dispose();
      single.dispose();
    }
  });
});
