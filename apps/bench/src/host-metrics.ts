// Test loss and accuracy from model outputs (logits), computed on the host in float64 so every
// backend is scored by the same code.
import type { HostTensor, LossName } from '@rnnkit/core';

export function scoreLogits(loss: LossName, logits: HostTensor<Float32Array>, targets: HostTensor): { loss: number; accuracy: number } {
  const n = logits.shape[0]!;
  if (targets.shape[0] !== n) throw new Error(`targets: expected ${n} rows (one per output row), got ${targets.shape[0]}`);
  let sum = 0;
  let correct = 0;
  if (loss === 'softmaxCrossEntropy') {
    const c = logits.shape[1]!;
    for (let i = 0; i < n; i++) {
      const row = logits.data.subarray(i * c, (i + 1) * c);
      let best = 0;
      let max = -Infinity;
      for (let k = 0; k < c; k++) if (row[k]! > max) [max, best] = [row[k]!, k];
      let z = 0;
      for (let k = 0; k < c; k++) z += Math.exp(row[k]! - max);
      const label = targets.data[i]!;
      sum += Math.log(z) + max - row[label]!;
      if (best === label) correct++;
    }
  } else if (loss === 'sigmoidBinaryCrossEntropy') {
    for (let i = 0; i < n; i++) {
      const z = logits.data[i]!;
      const y = targets.data[i]!;
      // Numerically stable BCE on logits (PyTorch BCEWithLogitsLoss).
      sum += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
      if ((z > 0 ? 1 : 0) === y) correct++;
    }
  } else {
    throw new Error(`loss: the benchmark scores softmaxCrossEntropy and sigmoidBinaryCrossEntropy, got ${loss}`);
  }
  return { loss: sum / n, accuracy: correct / n };
}
