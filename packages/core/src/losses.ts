// Loss policy: which backend kernel a loss name maps to, how model outputs and targets are
// shaped for it, and how accuracy is counted. The arithmetic is the backend's.
import type { Backend, LossResult, Tensor } from './backend.js';
import type { HostTensor } from './dataset.js';

export type LossName = 'softmaxCrossEntropy' | 'sequenceCrossEntropy' | 'sigmoidBinaryCrossEntropy' | 'meanSquaredError';

export const LOSS_NAMES: readonly LossName[] = [
  'softmaxCrossEntropy',
  'sequenceCrossEntropy',
  'sigmoidBinaryCrossEntropy',
  'meanSquaredError',
];

export function checkLossName(loss: string): asserts loss is LossName {
  if (!(LOSS_NAMES as readonly string[]).includes(loss)) {
    throw new Error(`loss: expected one of ${LOSS_NAMES.map((n) => `'${n}'`).join(', ')}, got '${loss}'`);
  }
}

/** Target dtype each loss takes. */
export function targetDtype(loss: LossName): 'int32' | 'float32' {
  return loss === 'softmaxCrossEntropy' || loss === 'sequenceCrossEntropy' ? 'int32' : 'float32';
}

/**
 * Value and gradient of the loss for one batch.
 * - softmaxCrossEntropy: logits [B, C], labels [B] (PyTorch CrossEntropyLoss)
 * - sequenceCrossEntropy: logits [B, T, C], labels [B, T], mean over valid steps (lengths mask)
 * - sigmoidBinaryCrossEntropy: logits [B, 1] or [B], targets [B] (PyTorch BCEWithLogitsLoss)
 * - meanSquaredError: predictions and targets of the same shape; on [B, T, F] outputs with
 *   lengths, the mean runs over valid steps only
 */
export async function computeLoss(
  b: Backend,
  loss: LossName,
  out: Tensor,
  target: Tensor,
  lengths: Int32Array | undefined,
): Promise<LossResult> {
  switch (loss) {
    case 'softmaxCrossEntropy':
      return b.softmaxCrossEntropy(out, target);
    case 'sequenceCrossEntropy': {
      const [B, T, C] = out.shape as [number, number, number];
      const flat = await b.reshape(out, [B * T, C]);
      const labels = await b.reshape(target, [B * T]);
      const weights = lengths ? b.tensor(stepMask(lengths, T), [B * T], 'float32') : undefined;
      const r = await b.softmaxCrossEntropy(flat, labels, weights);
      b.dispose(flat);
      b.dispose(labels);
      if (weights) b.dispose(weights);
      const grad = await b.reshape(r.grad, [B, T, C]);
      b.dispose(r.grad);
      return { loss: r.loss, grad };
    }
    case 'sigmoidBinaryCrossEntropy': {
      const flat = await b.reshape(out, [out.shape[0]!]);
      const r = await b.sigmoidBinaryCrossEntropy(flat, target);
      b.dispose(flat);
      const grad = await b.reshape(r.grad, out.shape);
      b.dispose(r.grad);
      return { loss: r.loss, grad };
    }
    case 'meanSquaredError': {
      if (!lengths || out.shape.length !== 3) return b.meanSquaredError(out, target);
      // Padded steps must not count: zero both sides there, then rescale the mean from all
      // B·T·F elements to the valid ones (and the gradient with it).
      const [B, T, F] = out.shape as [number, number, number];
      const steps = stepMask(lengths, T);
      const maskData = new Float32Array(B * T * F);
      let valid = 0;
      for (let i = 0; i < B * T; i++) if (steps[i]) (maskData.fill(1, i * F, (i + 1) * F), (valid += F));
      const mask = b.tensor(maskData, [B, T, F], 'float32');
      const p = await b.mul(out, mask);
      const t = await b.mul(target, mask);
      const r = await b.meanSquaredError(p, t);
      const grad = await b.mul(r.grad, mask);
      const scale = (B * T * F) / valid;
      await b.scaleInPlace(r.loss, scale);
      await b.scaleInPlace(grad, scale);
      for (const x of [mask, p, t, r.grad]) b.dispose(x);
      return { loss: r.loss, grad };
    }
  }
}

/** 1 at valid steps [n, t < lengths[n]], 0 at padding: [N·T]. */
export function stepMask(lengths: Int32Array, T: number): Float32Array {
  const m = new Float32Array(lengths.length * T);
  for (let n = 0; n < lengths.length; n++) m.fill(1, n * T, n * T + lengths[n]!);
  return m;
}

/** Correct predictions and how many were counted, from host outputs; undefined for regression. */
export function countCorrect(
  loss: LossName,
  out: ArrayLike<number>,
  outShape: readonly number[],
  y: HostTensor,
  lengths: Int32Array | undefined,
): { correct: number; total: number } | undefined {
  switch (loss) {
    case 'softmaxCrossEntropy':
    case 'sequenceCrossEntropy': {
      const C = outShape[outShape.length - 1]!;
      const rows = out.length / C;
      const T = loss === 'sequenceCrossEntropy' ? outShape[1]! : 1;
      let correct = 0;
      let total = 0;
      for (let r = 0; r < rows; r++) {
        if (lengths && loss === 'sequenceCrossEntropy' && r % T >= lengths[Math.floor(r / T)]!) continue;
        let best = 0;
        for (let c = 1; c < C; c++) if (out[r * C + c]! > out[r * C + best]!) best = c;
        if (best === y.data[r]) correct++;
        total++;
      }
      return { correct, total };
    }
    case 'sigmoidBinaryCrossEntropy': {
      let correct = 0;
      for (let r = 0; r < out.length; r++) if (out[r]! > 0 === y.data[r]! > 0.5) correct++;
      return { correct, total: out.length };
    }
    case 'meanSquaredError':
      return undefined;
  }
}
