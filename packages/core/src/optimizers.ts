// Optimizer policy (PyTorch torch.optim semantics): hyper-parameters, per-parameter state and
// step counting live here; the update arithmetic is the backend's (`adamUpdate`, ...).
import type { Backend, Tensor } from './backend.js';
import { checkOptions } from './strict-options.js';

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}
/** torch.optim.AdamW: Adam's options; weightDecay is decoupled and defaults to 0.01. */
export type AdamwOptions = AdamOptions;
export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}
export interface RmspropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  momentum?: number;
  weightDecay?: number;
}

export type OptimizerSpec =
  | { readonly type: 'adam'; readonly lr: number; readonly beta1: number; readonly beta2: number; readonly eps: number; readonly weightDecay: number }
  | { readonly type: 'adamw'; readonly lr: number; readonly beta1: number; readonly beta2: number; readonly eps: number; readonly weightDecay: number }
  | { readonly type: 'sgd'; readonly lr: number; readonly momentum: number; readonly dampening: number; readonly nesterov: boolean; readonly weightDecay: number }
  | { readonly type: 'rmsprop'; readonly lr: number; readonly alpha: number; readonly eps: number; readonly momentum: number; readonly weightDecay: number };

const FIELDS = {
  adam: ['lr', 'beta1', 'beta2', 'eps', 'weightDecay'],
  adamw: ['lr', 'beta1', 'beta2', 'eps', 'weightDecay'],
  sgd: ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay'],
  rmsprop: ['lr', 'alpha', 'eps', 'momentum', 'weightDecay'],
} as const;

function nonNegative(name: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0)) throw new Error(`${name}: expected a finite number >= 0, got ${v}`);
  return v;
}
function unit(name: string, v: number): number {
  if (!(v >= 0 && v < 1)) throw new Error(`${name}: expected a number in [0, 1), got ${v}`);
  return v;
}

/** torch.optim.Adam defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8. */
export function adam(o: AdamOptions = {}): OptimizerSpec {
  checkOptions(o, FIELDS.adam, 'adam');
  return {
    type: 'adam',
    lr: nonNegative('adam: lr', o.lr ?? 1e-3),
    beta1: unit('adam: beta1', o.beta1 ?? 0.9),
    beta2: unit('adam: beta2', o.beta2 ?? 0.999),
    eps: nonNegative('adam: eps', o.eps ?? 1e-8),
    weightDecay: nonNegative('adam: weightDecay', o.weightDecay ?? 0),
  };
}

/**
 * torch.optim.AdamW (Loshchilov & Hutter): the decay is decoupled from the gradient, applied to
 * the parameter before the Adam step, p ← p − lr·weightDecay·p, so it never enters the moments.
 * Defaults as PyTorch: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 0.01.
 */
export function adamw(o: AdamwOptions = {}): OptimizerSpec {
  checkOptions(o, FIELDS.adamw, 'adamw');
  return {
    type: 'adamw',
    lr: nonNegative('adamw: lr', o.lr ?? 1e-3),
    beta1: unit('adamw: beta1', o.beta1 ?? 0.9),
    beta2: unit('adamw: beta2', o.beta2 ?? 0.999),
    eps: nonNegative('adamw: eps', o.eps ?? 1e-8),
    weightDecay: nonNegative('adamw: weightDecay', o.weightDecay ?? 0.01),
  };
}

/** torch.optim.SGD. */
export function sgd(o: SgdOptions): OptimizerSpec {
  checkOptions(o, FIELDS.sgd, 'sgd');
  if (!o || typeof o.lr !== 'number') throw new Error(`sgd: lr: expected a number (SGD has no default learning rate, as in PyTorch), got ${JSON.stringify(o?.lr)}`);
  if (o.nesterov !== undefined && typeof o.nesterov !== 'boolean') throw new Error(`sgd: nesterov: expected true or false, got ${JSON.stringify(o.nesterov)}`);
  const spec = {
    type: 'sgd' as const,
    lr: nonNegative('sgd: lr', o.lr),
    momentum: nonNegative('sgd: momentum', o.momentum ?? 0),
    dampening: nonNegative('sgd: dampening', o.dampening ?? 0),
    nesterov: o.nesterov ?? false,
    weightDecay: nonNegative('sgd: weightDecay', o.weightDecay ?? 0),
  };
  if (spec.nesterov && (spec.momentum <= 0 || spec.dampening !== 0)) {
    throw new Error('sgd: nesterov requires momentum > 0 and dampening 0');
  }
  return spec;
}

/** torch.optim.RMSprop defaults: lr 1e-2, alpha 0.99, eps 1e-8 (not centered). */
export function rmsprop(o: RmspropOptions = {}): OptimizerSpec {
  checkOptions(o, FIELDS.rmsprop, 'rmsprop');
  return {
    type: 'rmsprop',
    lr: nonNegative('rmsprop: lr', o.lr ?? 1e-2),
    alpha: unit('rmsprop: alpha', o.alpha ?? 0.99),
    eps: nonNegative('rmsprop: eps', o.eps ?? 1e-8),
    momentum: nonNegative('rmsprop: momentum', o.momentum ?? 0),
    weightDecay: nonNegative('rmsprop: weightDecay', o.weightDecay ?? 0),
  };
}


/**
 * An optimizer spec from anywhere (hand-written, a checkpoint): a known type, only that type's
 * fields, each present and in range; the result is what the factory of that type would build.
 */
export function checkOptimizerSpec(spec: unknown, where = 'optimizer'): OptimizerSpec {
  if (!spec || typeof spec !== 'object') throw new Error(`${where}: expected an optimizer spec such as adam({ lr: 1e-3 }), got ${JSON.stringify(spec)}`);
  const { type, ...rest } = spec as Record<string, unknown>;
  if (type !== 'adam' && type !== 'adamw' && type !== 'sgd' && type !== 'rmsprop') throw new Error(`${where}: type: expected 'adam', 'adamw', 'sgd' or 'rmsprop', got ${JSON.stringify(type)}`);
  const known: readonly string[] = FIELDS[type];
  for (const key of Object.keys(rest)) if (!known.includes(key)) throw new Error(`${where}: unknown field '${key}' for ${type} (it takes ${known.join(', ')})`);
  for (const key of known) {
    const v = rest[key];
    if (key === 'nesterov' ? v !== undefined && typeof v !== 'boolean' : v !== undefined && typeof v !== 'number') {
      throw new Error(`${where}: ${key}: expected ${key === 'nesterov' ? 'true or false' : 'a number'}, got ${JSON.stringify(v)}`);
    }
  }
  const o = rest as never;
  const built = type === 'adam' ? adam(o) : type === 'adamw' ? adamw(o) : type === 'sgd' ? sgd(o) : rmsprop(o);
  return built;
}

/**
 * True when `b` is `a` with at most a different learning rate (same type, every other
 * hyper-parameter equal): the change PyTorch makes with `param_group['lr'] = ...`, which keeps
 * the moments and the step count. Any other difference means a different optimizer.
 */
export function sameExceptLr(a: OptimizerSpec, b: OptimizerSpec): boolean {
  if (a.type !== b.type) return false;
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  return FIELDS[a.type].every((k) => k === 'lr' || x[k] === y[k]);
}

/** Per-parameter optimizer state on the backend, created on the first step. */
export class Optimizer {
  private step = 0;
  private readonly slots = new Map<string, Tensor[]>();
  private current: OptimizerSpec;
  /**
   * The learning rate the user gave, before any schedule scaled it: what the next `fit` with a
   * schedule starts from when it is given no optimizer.
   */
  baseLr: number;

  constructor(
    spec: OptimizerSpec,
    private readonly backend: Backend,
  ) {
    this.current = spec;
    this.baseLr = spec.lr;
  }

  /** The hyper-parameters in use, with the current learning rate. */
  get spec(): OptimizerSpec {
    return this.current;
  }

  /** Changes only the learning rate (as `param_group['lr'] = lr`): moments and step count stay. */
  setLr(lr: number): void {
    if (!(Number.isFinite(lr) && lr >= 0)) throw new Error(`${this.current.type}: lr: expected a finite number >= 0, got ${lr}`);
    this.current = { ...this.current, lr };
  }

  get steps(): number {
    return this.step;
  }

  /** One update of every parameter from its gradient (both by name). */
  async apply(params: ReadonlyMap<string, Tensor>, grads: ReadonlyMap<string, Tensor>): Promise<void> {
    this.step++;
    const b = this.backend;
    const s = this.current;
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) continue;
      let slots = this.slots.get(name);
      const first = !slots;
      if (!slots) {
        slots = [b.zeros(p.shape), b.zeros(p.shape)];
        this.slots.set(name, slots);
      }
      switch (s.type) {
        case 'adam':
          await b.adamUpdate(p, g, slots[0]!, slots[1]!, { ...s, step: this.step });
          break;
        case 'adamw':
          // Decoupled decay with the existing kernels: scale first, then Adam without L2 decay.
          if (s.lr * s.weightDecay !== 0) await b.scaleInPlace(p, 1 - s.lr * s.weightDecay);
          await b.adamUpdate(p, g, slots[0]!, slots[1]!, { ...s, weightDecay: 0, step: this.step });
          break;
        case 'sgd':
          await b.sgdUpdate(p, g, slots[0]!, { ...s, first });
          break;
        case 'rmsprop':
          await b.rmspropUpdate(p, g, slots[0]!, slots[1]!, s);
          break;
      }
    }
  }

  /**
   * For a backend's whole-step program (whole-step.ts): counts the step and returns every
   * parameter's two slots (zeros on first use) for the program to update in place, and whether they
   * are fresh (SGD's first step). Undefined, with nothing changed, when only some parameters have
   * slots yet (the plain path handles that mix).
   */
  beginWholeStep(params: ReadonlyMap<string, Tensor>): { step: number; first: boolean; slots: Map<string, readonly Tensor[]> } | undefined {
    const have = [...params.keys()].filter((n) => this.slots.has(n)).length;
    if (have !== 0 && have !== params.size) return undefined;
    const first = have === 0;
    const slots = new Map<string, readonly Tensor[]>();
    for (const [name, p] of params) {
      let s = this.slots.get(name);
      if (!s) this.slots.set(name, (s = [this.backend.zeros(p.shape), this.backend.zeros(p.shape)]));
      slots.set(name, s);
    }
    this.step++;
    return { step: this.step, first, slots };
  }

  /** Host copies of the state, for checkpoints. */
  async state(): Promise<{ step: number; slots: Map<string, Float32Array[]> }> {
    const slots = new Map<string, Float32Array[]>();
    for (const [name, ts] of this.slots) {
      slots.set(name, await Promise.all(ts.map(async (t) => Float32Array.from(await this.backend.read(t)))));
    }
    return { step: this.step, slots };
  }

  restore(step: number, slots: ReadonlyMap<string, readonly Float32Array[]>, shapes: ReadonlyMap<string, readonly number[]>): void {
    this.dispose();
    this.step = step;
    try {
      for (const [name, arrays] of slots) {
        const shape = shapes.get(name);
        if (!shape) throw new Error(`optimizer state: no parameter named ${name}`);
        const uploaded: Tensor[] = [];
        this.slots.set(name, uploaded);
        for (const a of arrays) uploaded.push(this.backend.tensor(a, shape, 'float32'));
      }
    } catch (e) {
      // A failed upload (a backend out of memory) leaves nothing of the state allocated.
      this.dispose();
      throw e;
    }
  }

  dispose(): void {
    for (const ts of this.slots.values()) ts.forEach((t) => this.backend.dispose(t));
    this.slots.clear();
  }
}
