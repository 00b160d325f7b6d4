// A whole recurrent layer (PyTorch's nn.RNN / nn.LSTM / nn.GRU): `numLayers` stacked layers, each
// one or two directions, composed from the backend's one-layer-one-direction kernels.
//
// x: [B, T, I]  →  y: [B, T, D·H] (forward ‖ reverse on the feature axis)
// states h, c: numLayers·D tensors of [B, H], ordered layer-major, forward then reverse
// (the same order as PyTorch's h_n[L·D, B, H]).
import type { Backend, RecurrentParams, Saved, Tensor } from './backend.js';
import { gateCount, hasCellState, type CellSpec } from './cells.js';

export interface RecurrentConfig {
  readonly cell: CellSpec;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
}

/** Parameters by PyTorch state_dict name (`weight_ih_l0`, `bias_hh_l1_reverse`, ...). */
export type ParamMap = ReadonlyMap<string, Tensor>;

export function directionCount(cfg: RecurrentConfig): number {
  return cfg.bidirectional ? 2 : 1;
}

/** PyTorch's suffix for layer k, direction d: `l0`, `l0_reverse`. */
export function paramSuffix(layer: number, direction: number): string {
  return `l${layer}${direction === 1 ? '_reverse' : ''}`;
}

/** Every parameter's name and shape, in PyTorch's state_dict order. */
export function recurrentParamShapes(cfg: RecurrentConfig): { name: string; shape: number[] }[] {
  const g = gateCount(cfg.cell.kind) * cfg.hiddenSize;
  const out: { name: string; shape: number[] }[] = [];
  for (let k = 0; k < cfg.numLayers; k++) {
    const inSize = k === 0 ? cfg.inputSize : cfg.hiddenSize * directionCount(cfg);
    for (let d = 0; d < directionCount(cfg); d++) {
      const s = paramSuffix(k, d);
      out.push({ name: `weight_ih_${s}`, shape: [g, inSize] });
      out.push({ name: `weight_hh_${s}`, shape: [g, cfg.hiddenSize] });
      out.push({ name: `bias_ih_${s}`, shape: [g] });
      out.push({ name: `bias_hh_${s}`, shape: [g] });
    }
  }
  return out;
}

function directionParams(params: ParamMap, layer: number, direction: number): RecurrentParams {
  const s = paramSuffix(layer, direction);
  const get = (name: string): Tensor => {
    const t = params.get(name);
    if (!t) throw new Error(`recurrent layer: missing parameter ${name}`);
    return t;
  };
  return { wIh: get(`weight_ih_${s}`), wHh: get(`weight_hh_${s}`), bIh: get(`bias_ih_${s}`), bHh: get(`bias_hh_${s}`) };
}

export interface RecurrentLayerArgs {
  /** x: [B, T, I] */
  readonly x: Tensor;
  /** numLayers·D initial hidden states, each [B, H]; zeros when absent */
  readonly h0?: readonly Tensor[] | undefined;
  /** numLayers·D initial cell states (LSTM), each [B, H]; zeros when absent */
  readonly c0?: readonly Tensor[] | undefined;
  readonly lengths?: Int32Array | undefined;
  readonly training: boolean;
  /**
   * Dropout masks applied to the input of layers 1..numLayers-1 (already scaled by 1/(1-p)),
   * each [B, T, D·H]; absent means no dropout. Core draws them from its seeded Rng.
   */
  readonly dropoutMasks?: readonly Tensor[] | undefined;
}

interface DirectionStep {
  readonly saved: Saved;
}

/** What the composed layer keeps for backward. Holds its own tensors; free with `disposeRecurrentSaved`. */
export interface RecurrentLayerSaved {
  readonly directions: DirectionStep[][];
  /** dropout masks per layer boundary (owned by the caller of forward) */
  readonly dropoutMasks: readonly Tensor[] | undefined;
  readonly batch: number;
}

export interface RecurrentLayerResult {
  /** y: [B, T, D·H] */
  readonly y: Tensor;
  readonly hT: Tensor[];
  /** LSTM only */
  readonly cT?: Tensor[] | undefined;
  readonly saved?: RecurrentLayerSaved | undefined;
}

export function recurrentLayerForward(
  backend: Backend,
  cfg: RecurrentConfig,
  params: ParamMap,
  args: RecurrentLayerArgs,
): RecurrentLayerResult {
  const dirs = directionCount(cfg);
  const lstm = hasCellState(cfg.cell.kind);
  checkStates('h0', args.h0, cfg);
  if (lstm) checkStates('c0', args.c0, cfg);
  const hT: Tensor[] = [];
  const cT: Tensor[] = [];
  const savedDirs: DirectionStep[][] = [];
  let input = args.x;
  let ownsInput = false;
  for (let k = 0; k < cfg.numLayers; k++) {
    if (k > 0 && args.dropoutMasks) {
      const mask = args.dropoutMasks[k - 1];
      if (mask) {
        const dropped = backend.mul(input, mask);
        if (ownsInput) backend.dispose(input);
        input = dropped;
        ownsInput = true;
      }
    }
    const ys: Tensor[] = [];
    const layerSaved: DirectionStep[] = [];
    for (let d = 0; d < dirs; d++) {
      const idx = k * dirs + d;
      const r = backend.recurrentForward({
        cell: cfg.cell,
        params: directionParams(params, k, d),
        x: input,
        h0: args.h0?.[idx],
        c0: lstm ? args.c0?.[idx] : undefined,
        lengths: args.lengths,
        reverse: d === 1,
        training: args.training,
      });
      ys.push(r.y);
      hT.push(r.hT);
      if (r.cT) cT.push(r.cT);
      if (r.saved) layerSaved.push({ saved: r.saved });
    }
    if (ownsInput) backend.dispose(input);
    if (args.training) savedDirs.push(layerSaved);
    input = dirs === 2 ? backend.concatLast(ys[0]!, ys[1]!) : ys[0]!;
    if (dirs === 2) ys.forEach((t) => backend.dispose(t));
    ownsInput = true;
  }
  return {
    y: input,
    hT,
    cT: lstm ? cT : undefined,
    saved: args.training ? { directions: savedDirs, dropoutMasks: args.dropoutMasks, batch: args.x.shape[0]! } : undefined,
  };
}

export interface RecurrentLayerBackwardArgs {
  /** dy: [B, T, D·H]; absent means zero */
  readonly dy?: Tensor | undefined;
  /** numLayers·D gradients of the final hidden states; absent entries mean zero */
  readonly dhT?: readonly (Tensor | undefined)[] | undefined;
  /** numLayers·D gradients of the final cell states (LSTM) */
  readonly dcT?: readonly (Tensor | undefined)[] | undefined;
}

export interface RecurrentLayerGrads {
  /** dx: [B, T, I] */
  readonly dx: Tensor;
  readonly dh0: Tensor[];
  readonly dc0?: Tensor[] | undefined;
  /** by PyTorch parameter name */
  readonly grads: Map<string, Tensor>;
}

export function recurrentLayerBackward(
  backend: Backend,
  cfg: RecurrentConfig,
  saved: RecurrentLayerSaved,
  args: RecurrentLayerBackwardArgs,
): RecurrentLayerGrads {
  const dirs = directionCount(cfg);
  const lstm = hasCellState(cfg.cell.kind);
  const H = cfg.hiddenSize;
  const dh0: Tensor[] = new Array(cfg.numLayers * dirs);
  const dc0: Tensor[] = new Array(cfg.numLayers * dirs);
  const grads = new Map<string, Tensor>();
  let dy = args.dy;
  let ownsDy = false;
  for (let k = cfg.numLayers - 1; k >= 0; k--) {
    const layerSaved = saved.directions[k]!;
    let dx: Tensor | undefined;
    for (let d = 0; d < dirs; d++) {
      const idx = k * dirs + d;
      const dyDir = dy && dirs === 2 ? backend.sliceLast(dy, d * H, H) : dy;
      const g = backend.recurrentBackward({
        saved: layerSaved[d]!.saved,
        dy: dyDir,
        dhT: args.dhT?.[idx],
        dcT: lstm ? args.dcT?.[idx] : undefined,
      });
      if (dyDir && dyDir !== dy) backend.dispose(dyDir);
      const s = paramSuffix(k, d);
      grads.set(`weight_ih_${s}`, g.dWIh);
      grads.set(`weight_hh_${s}`, g.dWHh);
      grads.set(`bias_ih_${s}`, g.dBIh);
      grads.set(`bias_hh_${s}`, g.dBHh);
      dh0[idx] = g.dh0;
      if (g.dc0) dc0[idx] = g.dc0;
      if (dx) {
        const sum = backend.add(dx, g.dx);
        backend.dispose(dx);
        backend.dispose(g.dx);
        dx = sum;
      } else {
        dx = g.dx;
      }
    }
    if (ownsDy && dy) backend.dispose(dy);
    // Through the dropout on this layer's input: the mask is its own derivative.
    const mask = k > 0 ? saved.dropoutMasks?.[k - 1] : undefined;
    if (mask) {
      const masked = backend.mul(dx!, mask);
      backend.dispose(dx!);
      dx = masked;
    }
    dy = dx!;
    ownsDy = true;
  }
  return { dx: dy!, dh0, dc0: lstm ? dc0 : undefined, grads };
}

export function disposeRecurrentSaved(backend: Backend, saved: RecurrentLayerSaved): void {
  for (const layer of saved.directions) for (const d of layer) backend.disposeSaved(d.saved);
}

function checkStates(name: string, states: readonly Tensor[] | undefined, cfg: RecurrentConfig): void {
  if (!states) return;
  const n = cfg.numLayers * directionCount(cfg);
  if (states.length !== n) {
    throw new Error(
      `${name}: expected ${n} states (numLayers ${cfg.numLayers} × directions ${directionCount(cfg)}), got ${states.length}`,
    );
  }
}
