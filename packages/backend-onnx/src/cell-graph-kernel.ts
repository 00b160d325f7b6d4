// The generated fused kernel: any cell of core's catalogue over a whole layer direction as one
// session run forward and one backward, the graphs built from the cell's traced step
// (cell-scan-graph.ts). Sessions are cached per cell configuration, sizes, B, T, direction,
// training and masking; the step is traced only when a graph is built.

import type { CellConfig, CellDefinition, CellSizes, FusedBackwardArgs, FusedBackwardResult, FusedForwardArgs, FusedForwardResult, Tensor } from '@rnnkit/core';
import { traceBackwardStep, traceForwardStep, type CellTrace } from '@rnnkit/core';
import { buildCellBackwardGraph, buildCellForwardGraph, names, type CellScanShape } from './cell-scan-graph.js';
import type { Handles } from './handles.js';
import type { SessionCache } from './session-cache.js';
import { OnnxSaved, shapeSize, type LiveCounter } from './tensor.js';

/** What backward needs: forward's inputs (shared: arrays are never written) and its per-step records. */
export class CellGraphSaved extends OnnxSaved {
  readonly kind = 'cell-graph';
  constructor(
    readonly cell: CellConfig,
    readonly sizes: CellSizes,
    readonly shape: CellScanShape,
    readonly reverse: boolean,
    /** lengths when some sample is shorter than T, else undefined (no masks) */
    readonly lengths: Int32Array | undefined,
    /** x: [B, T, ...input] */
    readonly x: Float32Array,
    /** by parameter, in shape.params order */
    readonly params: readonly Float32Array[],
    /** states before each step, [T, B, ...state_j] */
    readonly prev: readonly Float32Array[],
    /** each step's cache entries, [T, ...traced shape], with those dims */
    readonly cache: readonly (readonly [Float32Array, readonly number[]])[],
    live: LiveCounter,
  ) {
    super(2 + params.length + prev.length + cache.length, live);
  }
}

/** The kernel for `def`'s kind; it computes every configuration `def.configure` accepts. */
export interface CellGraphKernel {
  supports(cell: CellConfig): boolean;
  forward(args: FusedForwardArgs): Promise<FusedForwardResult>;
  backward(args: FusedBackwardArgs): Promise<FusedBackwardResult>;
}

export function cellGraphKernel(h: Handles, sessions: SessionCache, def: CellDefinition): CellGraphKernel {
  // Forward traces by cell key and batch: forward reads the cache entries' shapes off them.
  const traces = new Map<string, Promise<CellTrace>>();
  const forwardTrace = (key: string, cell: CellConfig, sizes: CellSizes, B: number): Promise<CellTrace> => {
    let t = traces.get(key);
    if (!t) traces.set(key, (t = traceForwardStep(def, cell, sizes, B)));
    return t;
  };

  return {
    supports(cell) {
      // A configuration the cell definition accepts as it is (core passes normalised options).
      if (cell.kind !== def.kind) return false;
      const { kind: _kind, ...options } = cell;
      try {
        def.configure(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)), `fused.${def.kind}`);
        return true;
      } catch {
        return false;
      }
    },

    // x: [B, T, ...input], states: [B, ...state_j] (absent: zeros), params by local name
    // → y: [B, T, ...state_0], final states; saved when training
    async forward(args) {
      const where = `fused.${def.kind}.forward`;
      const [B = 0, T = 0] = args.x.shape;
      const sizes = withSpatial(def, args.sizes, args.x.shape);
      const shape = scanShape(def, args.cell, sizes, args.x.shape);
      const masked = args.lengths !== undefined && args.lengths.some((l) => l < T);
      const lengths = masked ? Int32Array.from(args.lengths!) : undefined;
      const cellKey = `${JSON.stringify(args.cell)}:${JSON.stringify(sizes)}`;
      const trace = await forwardTrace(`${cellKey}:${B}`, args.cell, sizes, B);
      const opts = { reverse: args.reverse, masked, training: args.training };
      const key = `cell-fwd:${cellKey}:${B}x${T}:${args.reverse ? 'rev' : 'fwd'}:${args.training ? 'train' : 'infer'}:${masked ? 'masked' : 'full'}`;
      const x = h.floats(args.x, `${where}: x`);
      const params = shape.params.map((p) => h.floats(args.params.get(p.name), `${where}: params '${p.name}'`));
      const feeds: Record<string, readonly [Float32Array | Int32Array, readonly number[]]> = { [names.x]: [x, args.x.shape] };
      shape.states.forEach((s, j) => {
        const t = args.states?.[j];
        const dims = [B, ...s];
        feeds[names.state(j)] = [t === undefined ? new Float32Array(shapeSize(dims)) : h.floats(t, `${where}: states[${j}]`), dims];
      });
      shape.params.forEach((p, k) => (feeds[names.param(p.name)] = [params[k]!, p.shape]));
      if (lengths) feeds[names.lengths] = [lengths, [B]];
      const out = await sessions.run(key, () => buildCellForwardGraph(trace, shape, opts), feeds);
      const f32 = (name: string) => out[name] as Float32Array;
      const result = {
        y: h.wrap(f32(names.y), [B, T, ...shape.states[0]!]),
        states: shape.states.map((s, j) => h.wrap(f32(names.finalState(j)), [B, ...s])),
      };
      if (!args.training) return result;
      const cacheShapes = trace.cache.map((id) => (trace.inputs.find((i) => i.id === id) ?? trace.nodes.find((n) => n.id === id))!.shape);
      const saved = new CellGraphSaved(
        args.cell,
        sizes,
        shape,
        args.reverse,
        lengths,
        x,
        params,
        shape.states.map((_, j) => f32(names.prev(j))),
        cacheShapes.map((s, k) => [f32(names.cache(k)), [T, ...s]] as const),
        h.live,
      );
      return { ...result, saved };
    },

    // dy: [B, T, ...state_0], dStates: [B, ...state_j] (absent: zero)
    // → dx: [B, T, ...input], dStates of the initial states, every parameter's gradient
    async backward(args) {
      const where = `fused.${def.kind}.backward`;
      const saved = h.saved(args.saved, CellGraphSaved, where);
      if (saved.cell.kind !== def.kind) throw new Error(`${where}: saved comes from fused.${saved.cell.kind}.forward`);
      const { shape, lengths, reverse } = saved;
      const { B, T } = shape;
      const masked = lengths !== undefined;
      const cellKey = `${JSON.stringify(saved.cell)}:${JSON.stringify(saved.sizes)}`;
      const key = `cell-bwd:${cellKey}:${B}x${T}:${reverse ? 'rev' : 'fwd'}:${masked ? 'masked' : 'full'}`;
      const upstream = (t: Tensor | undefined, dims: readonly number[], what: string): Float32Array =>
        t === undefined ? new Float32Array(shapeSize(dims)) : h.floats(t, `${where}: ${what}`);
      const yDims = [B, T, ...shape.states[0]!];
      const feeds: Record<string, readonly [Float32Array | Int32Array, readonly number[]]> = {
        [names.x]: [saved.x, [B, T, ...shape.input]],
        [names.dy]: [upstream(args.dy, yDims, 'dy'), yDims],
      };
      shape.states.forEach((s, j) => {
        feeds[names.prev(j)] = [saved.prev[j]!, [T, B, ...s]];
        feeds[names.dFinal(j)] = [upstream(args.dStates?.[j], [B, ...s], `dStates[${j}]`), [B, ...s]];
      });
      saved.cache.forEach(([data, dims], k) => (feeds[names.cache(k)] = [data, dims]));
      shape.params.forEach((p, k) => (feeds[names.param(p.name)] = [saved.params[k]!, p.shape]));
      if (lengths) feeds[names.lengths] = [lengths, [B]];
      const build = async () => buildCellBackwardGraph(await traceBackwardStep(def, saved.cell, saved.sizes, B), shape, { reverse, masked });
      const out = await sessions.run(key, build, feeds);
      const f32 = (name: string) => out[name] as Float32Array;
      return {
        dx: h.wrap(f32(names.dx), [B, T, ...shape.input]),
        dStates: shape.states.map((s, j) => h.wrap(f32(names.dState(j)), [B, ...s])),
        grads: new Map(shape.params.map((p) => [p.name, h.wrap(f32(names.grad(p.name)), p.shape)])),
      };
    },
  };
}

/** Image cells read their height and width off x: [B, T, C, H, W] when the sizes do not carry them. */
function withSpatial(def: CellDefinition, sizes: CellSizes, x: readonly number[]): CellSizes {
  if ((def.inputRank ?? 1) === 1 || sizes.spatial) return sizes;
  return { ...sizes, spatial: [x[3]!, x[4]!] };
}

function scanShape(def: CellDefinition, cell: CellConfig, sizes: CellSizes, x: readonly number[]): CellScanShape {
  return {
    B: x[0]!,
    T: x[1]!,
    input: x.slice(2),
    states: def.states(cell, sizes).map((s) => s.shape),
    params: def.params(cell, sizes).map((p) => ({ name: p.name, shape: p.shape })),
  };
}
