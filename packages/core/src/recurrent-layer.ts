// A whole recurrent layer (PyTorch's nn.RNN / nn.LSTM / nn.GRU and every cell of the catalogue):
// `numLayers` stacked layers, each one or two directions. Each direction runs the backend's fused
// kernel for the cell when it has one (and `fused` is on), else core's generic loop.
//
// x: [B, T, ...input]  →  y: [B, T, D·O, ...] (forward ‖ reverse on axis 2, the feature or channel axis)
// states: for each of the cell's states (h; h, c; s), numLayers·D tensors of [B, ...state],
// layer-major, forward then reverse (the order of PyTorch's h_n[L·D, B, H]).
import type { Backend, FusedKernels, FusedRecurrentKernel, Saved, Tensor } from './backend.js';
import type { CellConfig, CellDefinition, CellSizes, ParamDecl } from './cells/cell.js';
import { disposeGenericSaved, genericBackward, genericForward, type GenericSaved } from './recurrent-loop.js';
import { disposeSequenceSaved, sequenceBackward, sequenceForward, type SequenceSaved } from './sequence-path.js';

export interface RecurrentConfig {
  readonly def: CellDefinition;
  readonly cell: CellConfig;
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

/** Features of one direction's output per step (state 0's first axis). */
export function outputFeatures(cfg: RecurrentConfig): number {
  return cfg.def.states(cfg.cell, sizesOf(cfg, 0))[0]!.shape[0]!;
}

/**
 * Sizes of stacked layer k: the first reads the layer's input, later ones D × the output. Image
 * cells take the frame size from x; channel counts do not depend on it, so without one (counting
 * parameters and features) a 1 × 1 frame stands in.
 */
export function sizesOf(cfg: RecurrentConfig, layer: number, spatial?: readonly [number, number]): CellSizes {
  const frame = (cfg.def.inputRank ?? 1) === 3 ? (spatial ?? ([1, 1] as const)) : undefined;
  const inputSize = layer === 0 ? cfg.inputSize : directionCount(cfg) * cfg.def.states(cfg.cell, { inputSize: cfg.inputSize, hiddenSize: cfg.hiddenSize, spatial: frame })[0]!.shape[0]!;
  return frame ? { inputSize, hiddenSize: cfg.hiddenSize, spatial: frame } : { inputSize, hiddenSize: cfg.hiddenSize };
}

/** The frame size of x: [B, T, C, H, W] for image cells, else undefined. */
export function spatialOf(cfg: RecurrentConfig, x: Tensor): readonly [number, number] | undefined {
  return (cfg.def.inputRank ?? 1) === 3 ? [x.shape[3]!, x.shape[4]!] : undefined;
}

/** Every parameter's declaration with its full name, in PyTorch's state_dict order. */
export function recurrentParamDecls(cfg: RecurrentConfig): (ParamDecl & { readonly local: string; readonly layer: number })[] {
  const out: (ParamDecl & { local: string; layer: number })[] = [];
  for (let k = 0; k < cfg.numLayers; k++) {
    for (let d = 0; d < directionCount(cfg); d++) {
      for (const p of cfg.def.params(cfg.cell, sizesOf(cfg, k))) out.push({ ...p, local: p.name, name: `${p.name}_${paramSuffix(k, d)}`, layer: k });
    }
  }
  return out;
}

/** Every parameter's name and shape, in PyTorch's state_dict order. */
export function recurrentParamShapes(cfg: RecurrentConfig): { name: string; shape: readonly number[] }[] {
  return recurrentParamDecls(cfg).map(({ name, shape }) => ({ name, shape }));
}

function directionParams(cfg: RecurrentConfig, params: ParamMap, layer: number, direction: number): Map<string, Tensor> {
  const s = paramSuffix(layer, direction);
  const out = new Map<string, Tensor>();
  for (const p of cfg.def.params(cfg.cell, sizesOf(cfg, layer))) {
    const t = params.get(`${p.name}_${s}`);
    if (!t) throw new Error(`recurrent layer: missing parameter ${p.name}_${s}`);
    out.set(p.name, t);
  }
  return out;
}

/** The fused kernel for this cell, when the backend has one that takes these options. */
export function fusedKernelFor(fused: FusedKernels, cell: CellConfig): FusedRecurrentKernel | undefined {
  const k = fused[cell.kind];
  return k && (k.supports?.(cell) ?? true) ? k : undefined;
}

export interface RecurrentLayerArgs {
  /** x: [B, T, ...input] */
  readonly x: Tensor;
  /** Initial states: per state of the cell, numLayers·D tensors; absent (or an absent entry) means zeros. */
  readonly states?: readonly (readonly Tensor[] | undefined)[] | undefined;
  readonly lengths?: Int32Array | undefined;
  readonly training: boolean;
  /**
   * Dropout masks applied to the input of layers 1..numLayers-1 (already scaled by 1/(1-p)),
   * each the shape of that input; absent means no dropout. Core draws them from its seeded Rng.
   */
  readonly dropoutMasks?: readonly Tensor[] | undefined;
  /** Use the backend's fused kernels where it has them (default true); false forces the generic path. */
  readonly fused?: boolean | undefined;
}

type DirectionSaved =
  | { readonly path: 'fused'; readonly kernel: FusedRecurrentKernel; readonly saved: Saved }
  | { readonly path: 'sequence'; readonly saved: SequenceSaved }
  | { readonly path: 'generic'; readonly saved: GenericSaved };

/** What the composed layer keeps for backward. Free with `disposeRecurrentSaved`. */
export interface RecurrentLayerSaved {
  readonly directions: DirectionSaved[][];
  /** dropout masks per layer boundary (owned by the caller of forward) */
  readonly dropoutMasks: readonly Tensor[] | undefined;
}

export interface RecurrentLayerResult {
  /** y: [B, T, D·O, ...] */
  readonly y: Tensor;
  /** Final states: per state of the cell, numLayers·D tensors. */
  readonly states: Tensor[][];
  readonly saved?: RecurrentLayerSaved | undefined;
}

export async function recurrentLayerForward(backend: Backend, cfg: RecurrentConfig, params: ParamMap, args: RecurrentLayerArgs): Promise<RecurrentLayerResult> {
  const dirs = directionCount(cfg);
  const nStates = cfg.def.states(cfg.cell, sizesOf(cfg, 0)).length;
  checkStates(args.states, cfg, nStates);
  // Fast paths first: the backend's fused kernel, else the cell's own sequence form.
  const kernel = args.fused === false ? undefined : fusedKernelFor(backend.fused, cfg.cell);
  const sequence = args.fused !== false && !kernel && cfg.def.sequence !== undefined;
  const spatial = spatialOf(cfg, args.x);
  const finals: Tensor[][] = Array.from({ length: nStates }, () => []);
  const savedDirs: DirectionSaved[][] = [];
  let input = args.x;
  let ownsInput = false;
  for (let k = 0; k < cfg.numLayers; k++) {
    const mask = k > 0 ? args.dropoutMasks?.[k - 1] : undefined;
    if (mask) {
      const dropped = await backend.mul(input, mask);
      if (ownsInput) backend.dispose(input);
      input = dropped;
      ownsInput = true;
    }
    const ys: Tensor[] = [];
    const layerSaved: DirectionSaved[] = [];
    for (let d = 0; d < dirs; d++) {
      const idx = k * dirs + d;
      const p = directionParams(cfg, params, k, d);
      const fwdArgs = { x: input, states: args.states?.map((s) => s?.[idx]), lengths: args.lengths, reverse: d === 1, training: args.training };
      let r;
      const sizes = sizesOf(cfg, k, spatial);
      if (kernel) {
        r = await kernel.forward({ cell: cfg.cell, sizes, params: p, ...fwdArgs });
        if (r.saved) layerSaved.push({ path: 'fused', kernel, saved: r.saved });
      } else if (sequence) {
        r = await sequenceForward(backend, cfg.def, cfg.cell, sizes, p, fwdArgs);
        if (r.saved) layerSaved.push({ path: 'sequence', saved: r.saved });
      } else {
        r = await genericForward(backend, cfg.def, cfg.cell, sizes, p, fwdArgs);
        if (r.saved) layerSaved.push({ path: 'generic', saved: r.saved });
      }
      ys.push(r.y);
      r.states.forEach((t, j) => finals[j]!.push(t));
    }
    if (ownsInput) backend.dispose(input);
    if (args.training) savedDirs.push(layerSaved);
    input = dirs === 2 ? await backend.concat(ys, 2) : ys[0]!;
    if (dirs === 2) ys.forEach((t) => backend.dispose(t));
    ownsInput = true;
  }
  return { y: input, states: finals, saved: args.training ? { directions: savedDirs, dropoutMasks: args.dropoutMasks } : undefined };
}

export interface RecurrentLayerBackwardArgs {
  /** dy: [B, T, D·O, ...]; absent means zero */
  readonly dy?: Tensor | undefined;
  /** Gradients of the final states: per state, numLayers·D entries; absent entries mean zero. */
  readonly dStates?: readonly (readonly (Tensor | undefined)[] | undefined)[] | undefined;
}

export interface RecurrentLayerGrads {
  /** dx: [B, T, ...input] */
  readonly dx: Tensor;
  /** Gradients of the initial states: per state, numLayers·D tensors. */
  readonly dStates: Tensor[][];
  /** by PyTorch parameter name */
  readonly grads: Map<string, Tensor>;
}

export async function recurrentLayerBackward(
  backend: Backend,
  cfg: RecurrentConfig,
  saved: RecurrentLayerSaved,
  args: RecurrentLayerBackwardArgs,
): Promise<RecurrentLayerGrads> {
  const dirs = directionCount(cfg);
  const nStates = cfg.def.states(cfg.cell, sizesOf(cfg, 0)).length;
  const O = outputFeatures(cfg);
  const dInitial: Tensor[][] = Array.from({ length: nStates }, () => new Array<Tensor>(cfg.numLayers * dirs));
  const grads = new Map<string, Tensor>();
  let dy = args.dy;
  let ownsDy = false;
  for (let k = cfg.numLayers - 1; k >= 0; k--) {
    const layerSaved = saved.directions[k]!;
    let dx: Tensor | undefined;
    for (let d = 0; d < dirs; d++) {
      const idx = k * dirs + d;
      const dyDir = dy && dirs === 2 ? await backend.slice(dy, 2, d * O, O) : dy;
      const dStates = args.dStates?.map((s) => s?.[idx]);
      const ds = layerSaved[d]!;
      const g =
        ds.path === 'fused'
          ? await ds.kernel.backward({ saved: ds.saved, dy: dyDir, dStates })
          : ds.path === 'sequence'
            ? await sequenceBackward(backend, ds.saved, { dy: dyDir, dStates })
            : await genericBackward(backend, ds.saved, { dy: dyDir, dStates });
      if (dyDir && dyDir !== dy) backend.dispose(dyDir);
      const s = paramSuffix(k, d);
      for (const [name, t] of g.grads) grads.set(`${name}_${s}`, t);
      g.dStates.forEach((t, j) => (dInitial[j]![idx] = t));
      if (dx) {
        const sum = await backend.add(dx, g.dx);
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
      const masked = await backend.mul(dx!, mask);
      backend.dispose(dx!);
      dx = masked;
    }
    dy = dx!;
    ownsDy = true;
  }
  return { dx: dy!, dStates: dInitial, grads };
}

export function disposeRecurrentSaved(backend: Backend, saved: RecurrentLayerSaved): void {
  for (const layer of saved.directions) {
    for (const d of layer) {
      if (d.path === 'fused') backend.disposeSaved(d.saved);
      else if (d.path === 'sequence') disposeSequenceSaved(backend, d.saved);
      else disposeGenericSaved(backend, d.saved);
    }
  }
}

function checkStates(states: RecurrentLayerArgs['states'], cfg: RecurrentConfig, nStates: number): void {
  if (!states) return;
  const n = cfg.numLayers * directionCount(cfg);
  if (states.length > nStates) throw new Error(`states: expected at most ${nStates} state kinds for ${cfg.def.describe(cfg.cell)}, got ${states.length}`);
  states.forEach((s, j) => {
    if (s && s.length !== n) {
      throw new Error(`states[${j}]: expected ${n} tensors (numLayers ${cfg.numLayers} × directions ${directionCount(cfg)}), got ${s.length}`);
    }
  });
}
