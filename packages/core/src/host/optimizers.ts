// Optimizer arithmetic, in place, following torch.optim's formulas term for term.
// Precision-generic: each element is updated in JS doubles and stored back.

import type { AdamHyper, RmspropHyper, SgdHyper } from '../backend.js';
import type { FloatArray as F } from '../backend.js';

// param, grad, m, v: same length. torch.optim.Adam (L2 weight decay added to the gradient).
export function adamUpdate(param: F, grad: F, m: F, v: F, h: AdamHyper): void {
  const bc1 = 1 - Math.pow(h.beta1, h.step);
  const bc2 = 1 - Math.pow(h.beta2, h.step);
  const stepSize = h.lr / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  for (let i = 0; i < param.length; i++) {
    const p = param[i]!;
    const g = grad[i]! + h.weightDecay * p;
    const mi = h.beta1 * m[i]! + (1 - h.beta1) * g;
    const vi = h.beta2 * v[i]! + (1 - h.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + h.eps);
  }
}

// torch.optim.SGD: with momentum the buffer is the gradient at the first step, then
// buf = momentum·buf + (1 − dampening)·g; nesterov uses g + momentum·buf.
export function sgdUpdate(param: F, grad: F, velocity: F, h: SgdHyper & { readonly first: boolean }): void {
  for (let i = 0; i < param.length; i++) {
    const p = param[i]!;
    let g = grad[i]! + h.weightDecay * p;
    if (h.momentum !== 0) {
      const buf = h.first ? g : h.momentum * velocity[i]! + (1 - h.dampening) * g;
      velocity[i] = buf;
      g = h.nesterov ? g + h.momentum * buf : buf;
    }
    param[i] = p - h.lr * g;
  }
}

// torch.optim.RMSprop, not centered: v = α v + (1 − α) g²; with momentum
// buf = momentum·buf + g / (√v + ε), p −= lr·buf; otherwise p −= lr·g / (√v + ε).
export function rmspropUpdate(param: F, grad: F, squareAvg: F, buffer: F, h: RmspropHyper): void {
  for (let i = 0; i < param.length; i++) {
    const p = param[i]!;
    const g = grad[i]! + h.weightDecay * p;
    const v = h.alpha * squareAvg[i]! + (1 - h.alpha) * g * g;
    squareAvg[i] = v;
    const avg = Math.sqrt(v) + h.eps;
    if (h.momentum > 0) {
      const buf = h.momentum * buffer[i]! + g / avg;
      buffer[i] = buf;
      param[i] = p - h.lr * buf;
    } else {
      param[i] = p - (h.lr * g) / avg;
    }
  }
}
