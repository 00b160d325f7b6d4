// Optimizer updates (PyTorch torch.optim formulas). Each returns new storages; the backend swaps
// them into the handles (in place from core's point of view) and frees the old ones.
import type { AdamHyper, RmspropHyper, SgdHyper } from '@rnnkit/core';
import type { Engine, Storage } from './engine.js';

/** g = grad + wd·p; m' = β1 m + (1−β1) g; v' = β2 v + (1−β2) g²; p' = p − lr/bc1 · m' / (√v'/√bc2 + eps) */
export function adamUpdate(e: Engine, p: Storage, g: Storage, m: Storage, v: Storage, h: AdamHyper, n: number) {
  const m2 = e.run(
    { key: `adam-m:${n}`, size: n, source: `function (p, g, m, b1, wd) {
      const i = this.thread.x;
      const gg = g[i] + wd * p[i];
      return b1 * m[i] + (1 - b1) * gg;
    }` },
    [p, g, m, h.beta1, h.weightDecay],
  );
  const v2 = e.run(
    { key: `adam-v:${n}`, size: n, source: `function (p, g, v, b2, wd) {
      const i = this.thread.x;
      const gg = g[i] + wd * p[i];
      return b2 * v[i] + (1 - b2) * gg * gg;
    }` },
    [p, g, v, h.beta2, h.weightDecay],
  );
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  const p2 = e.run(
    { key: `adam-p:${n}`, size: n, source: `function (p, m, v, stepSize, sqrtBc2, eps) {
      const i = this.thread.x;
      return p[i] - stepSize * m[i] / (Math.sqrt(v[i]) / sqrtBc2 + eps);
    }` },
    [p, m2, v2, h.lr / bc1, Math.sqrt(bc2), h.eps],
  );
  return { p: p2, m: m2, v: v2 };
}

/** g = grad + wd·p; buf = first ? g : μ buf + (1−dampening) g; d = nesterov ? g + μ buf : buf; p' = p − lr d */
export function sgdUpdate(e: Engine, p: Storage, g: Storage, buf: Storage, h: SgdHyper & { readonly first: boolean }, n: number) {
  const momentum = h.momentum !== 0;
  const buf2 = momentum
    ? e.run(
        { key: `sgd-buf:${n}`, size: n, source: `function (p, g, b, mu, damp, wd, first) {
          const i = this.thread.x;
          const gg = g[i] + wd * p[i];
          if (first > 0) { return gg; }
          return mu * b[i] + (1 - damp) * gg;
        }` },
        [p, g, buf, h.momentum, h.dampening, h.weightDecay, h.first ? 1 : 0],
      )
    : undefined;
  const p2 = e.run(
    { key: `sgd-p:${n}`, size: n, source: `function (p, g, b, lr, mu, wd, mode) {
      const i = this.thread.x;
      const gg = g[i] + wd * p[i];
      if (mode < 0.5) { return p[i] - lr * gg; }
      if (mode < 1.5) { return p[i] - lr * b[i]; }
      return p[i] - lr * (gg + mu * b[i]);
    }` },
    [p, g, buf2 ?? g, h.lr, h.momentum, h.weightDecay, !momentum ? 0 : h.nesterov ? 2 : 1],
  );
  return { p: p2, buf: buf2 };
}

/** g = grad + wd·p; v' = α v + (1−α) g²; momentum: buf' = μ buf + g/(√v'+eps), p' = p − lr buf'; else p' = p − lr g/(√v'+eps) */
export function rmspropUpdate(e: Engine, p: Storage, g: Storage, sq: Storage, buf: Storage, h: RmspropHyper, n: number) {
  const v2 = e.run(
    { key: `rms-v:${n}`, size: n, source: `function (p, g, v, alpha, wd) {
      const i = this.thread.x;
      const gg = g[i] + wd * p[i];
      return alpha * v[i] + (1 - alpha) * gg * gg;
    }` },
    [p, g, sq, h.alpha, h.weightDecay],
  );
  const momentum = h.momentum > 0;
  const buf2 = momentum
    ? e.run(
        { key: `rms-buf:${n}`, size: n, source: `function (p, g, v, b, mu, eps, wd) {
          const i = this.thread.x;
          const gg = g[i] + wd * p[i];
          return mu * b[i] + gg / (Math.sqrt(v[i]) + eps);
        }` },
        [p, g, v2, buf, h.momentum, h.eps, h.weightDecay],
      )
    : undefined;
  const p2 = e.run(
    { key: `rms-p:${n}`, size: n, source: `function (p, g, v, b, lr, eps, wd, useBuf) {
      const i = this.thread.x;
      if (useBuf > 0) { return p[i] - lr * b[i]; }
      const gg = g[i] + wd * p[i];
      return p[i] - lr * gg / (Math.sqrt(v[i]) + eps);
    }` },
    [p, g, v2, buf2 ?? g, h.lr, h.eps, h.weightDecay, momentum ? 1 : 0],
  );
  return { p: p2, v: v2, buf: buf2 };
}
