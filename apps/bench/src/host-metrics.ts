// Test loss and accuracy from model outputs (logits, or frames for regression), computed on the
// host in float64 so every backend is scored by the same code.
import type { HostTensor, LossName } from '@rnnkit/core';

/** Mean loss over the rows of `logits`; accuracy for the classification losses, undefined for meanSquaredError. */
export function scoreLogits(loss: LossName, logits: HostTensor<Float32Array>, targets: HostTensor): { loss: number; accuracy: number | undefined } {
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
  } else if (loss === 'meanSquaredError') {
    // Mean over every element, as core's loss (per pixel for frames).
    if (targets.data.length !== logits.data.length) throw new Error(`targets: expected ${logits.data.length} values (the outputs' shape [${logits.shape.join(', ')}]), got ${targets.data.length}`);
    for (let i = 0; i < logits.data.length; i++) {
      const d = logits.data[i]! - targets.data[i]!;
      sum += d * d;
    }
    return { loss: sum / logits.data.length, accuracy: undefined };
  } else {
    throw new Error(`loss: the benchmark scores softmaxCrossEntropy, sigmoidBinaryCrossEntropy and meanSquaredError, got ${loss}`);
  }
  return { loss: sum / n, accuracy: correct / n };
}
