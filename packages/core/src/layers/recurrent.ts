// Recurrent layer (PyTorch nn.RNN / nn.LSTM / nn.GRU, and every cell of core's catalogue), batch-first.
// x: [B, T, I] → returnSequences ? y: [B, T, D·O] : the final output [B, D·O]
// (forward ‖ reverse of the last stacked layer, each at each sample's last valid step).
import type { Backend, Tensor } from '../backend.js';
import { cellDefinition } from '../cells/catalogue.js';
import { glorotUniform, orthogonalInit, uniformInit, type Initializer } from '../init.js';
import {
  directionCount,
  disposeRecurrentSaved,
  outputFeatures,
  recurrentLayerBackward,
  recurrentLayerForward,
  recurrentParamDecls,
  sizesOf,
  type RecurrentConfig,
  type RecurrentLayerSaved,
} from '../recurrent-layer.js';
import type { Rng } from '../rng.js';
import { positiveInt } from './embedding.js';
import { describeIO, type BuiltLayer, type ForwardContext, type LayerForward, type LayerIO, type RecurrentState, type StateGradArgs } from './layer.js';
import type { RecurrentSpec } from './specs.js';
import { isTrainable } from './trainable.js';

/** The layer's cell definition and normalised configuration; errors name the layer and the option. */
export function recurrentConfig(spec: RecurrentSpec, inputSize: number, where: string): RecurrentConfig {
  const def = cellDefinition(spec.cell);
  const cell = def.configure(spec.options ?? {}, where);
  return { def, cell, inputSize, hiddenSize: spec.hiddenSize, numLayers: spec.numLayers, bidirectional: spec.bidirectional };
}

interface Saved {
  readonly inner: RecurrentLayerSaved;
  readonly masks: Tensor[];
}

export function buildRecurrent(spec: RecurrentSpec, input: LayerIO | undefined, index: number): BuiltLayer {
  const where = `layer ${index} (${spec.cell})`;
  positiveInt(`${where}: numLayers`, spec.numLayers);
  if (!(spec.dropout >= 0 && spec.dropout < 1)) throw new Error(`${where}: dropout: expected a number in [0, 1), got ${spec.dropout}`);
  if (spec.dropout > 0 && spec.numLayers === 1) {
    // PyTorch warns; a no-op option is an error here.
    throw new Error(`${where}: dropout: ${spec.dropout} does nothing with numLayers 1 (it applies between stacked layers, as in PyTorch); set numLayers ≥ 2 or remove it`);
  }
  const image = (cellDefinition(spec.cell).inputRank ?? 1) === 3;
  const [inName, hidName] = image ? ['inChannels', 'hiddenChannels'] : ['inputSize', 'hiddenSize'];
  const wants = image ? 'frames [B, T, C, H, W]' : 'a sequence [B, T, F]';
  if (input?.kind === 'ids') throw new Error(`${where}: cannot take token ids; put an embedding layer first`);
  if (input?.kind === 'vector' || input?.kind === 'image') throw new Error(`${where}: needs ${wants}, but the previous layer outputs ${describeIO(input)}; set returnSequences: true on it`);
  if (input && (input.kind === 'frames') !== image) throw new Error(`${where}: needs ${wants}, but the previous layer outputs ${describeIO(input)}`);
  positiveInt(`${where}: ${hidName}`, spec.hiddenSize);
  const inSize = spec.inputSize ?? input?.features;
  if (inSize === undefined) throw new Error(`${where}: ${inName} is required for the first layer`);
  positiveInt(`${where}: ${inName}`, inSize);
  if (input && spec.inputSize !== undefined && input.features !== spec.inputSize) {
    throw new Error(`${where}: ${inName}: expected ${input.features} (the previous layer's output), got ${spec.inputSize}`);
  }
  const cfg = recurrentConfig(spec, inSize, where);
  const dirs = directionCount(cfg);
  const O = outputFeatures(cfg);
  const outFeatures = dirs * O;
  const decls = recurrentParamDecls(cfg);
  const H = spec.hiddenSize;
  const lastLayer = (spec.numLayers - 1) * dirs;

  return {
    spec,
    trainable: isTrainable(spec, where),
    input: { kind: image ? 'frames' : 'sequence', features: inSize },
    output: { kind: spec.returnSequences ? (image ? 'frames' : 'sequence') : image ? 'image' : 'vector', features: outFeatures },
    params: decls.map(({ name, shape }) => ({ name, shape })),
    states: cfg.def.states(cfg.cell, sizesOf(cfg, 0)).map((s) => ({ name: s.name, shape: s.shape, count: spec.numLayers * dirs })),
    init(rng: Rng, scheme: Initializer) {
      // Drawn in state_dict order (CELLS.md, "Initial values"). PyTorch: U(−bound, bound), bound
      // 1/√H unless declared. Keras: input kernels glorot_uniform over (fan_in, fan_out) = (columns,
      // rows), recurrent kernels orthogonal, biases zero. A declared `fill` wins under both.
      const out = new Map<string, Float32Array>();
      for (const p of decls) {
        const n = p.shape.reduce((a, b) => a * b, 1);
        const rows = p.shape[0]!;
        const cols = n / rows;
        const values =
          p.fill !== undefined
            ? new Float32Array(n).fill(p.fill)
            : scheme !== 'keras'
              ? uniformInit(rng, n, p.bound ?? 1 / Math.sqrt(H))
              : p.role === 'input'
                ? glorotUniform(rng, n, cols, rows)
                : p.role === 'recurrent'
                  ? orthogonalInit(rng, rows, cols)
                  : new Float32Array(n);
        out.set(p.name, values);
      }
      // Per-direction adjustments (the forget-gate bias) see local names.
      for (let k = 0; k < spec.numLayers; k++) {
        for (let d = 0; d < dirs; d++) {
          const suffix = `_l${k}${d === 1 ? '_reverse' : ''}`;
          const local = new Map<string, Float32Array>();
          for (const p of decls) if (p.name.endsWith(suffix) && p.layer === k) local.set(p.local, out.get(p.name)!);
          cfg.def.adjustInit?.(cfg.cell, sizesOf(cfg, k), local, scheme);
        }
      }
      return out;
    },
    async forward(b: Backend, p: ReadonlyMap<string, Tensor>, x: Tensor, ctx: ForwardContext): Promise<LayerForward> {
      const masks: Tensor[] = [];
      if (ctx.training && spec.dropout > 0 && ctx.rng) {
        const [B, T] = x.shape as [number, number];
        for (let k = 1; k < spec.numLayers; k++) masks.push(dropoutMask(b, ctx.rng, [B, T, outFeatures, ...x.shape.slice(3)], spec.dropout));
      }
      const r = await recurrentLayerForward(b, cfg, p, {
        x,
        states: ctx.initialState?.values,
        lengths: ctx.lengths,
        training: ctx.training,
        dropoutMasks: masks.length ? masks : undefined,
        fused: ctx.fused,
      });
      let y = r.y;
      if (!spec.returnSequences) {
        b.dispose(r.y);
        const last = r.states[0]!;
        y = dirs === 2 ? await b.concat([last[lastLayer]!, last[lastLayer + 1]!], 1) : await b.reshape(last[lastLayer]!, last[lastLayer]!.shape);
      }
      let state: RecurrentState | undefined;
      if (ctx.keepState) {
        state = { values: r.states };
      } else {
        r.states.forEach((s) => s.forEach((t) => b.dispose(t)));
      }
      const saved: Saved | undefined = r.saved ? { inner: r.saved, masks } : undefined;
      if (!saved) masks.forEach((m) => b.dispose(m));
      return { y, saved, state };
    },
    async backward(b: Backend, savedAny: unknown, dy: Tensor | undefined, needDx: boolean, states?: StateGradArgs) {
      const saved = savedAny as Saved;
      // dStates[j][idx]: the final states' own gradient (an encoder's, through the decoder), plus
      // for a last-step output, dy on the last stacked layer's h (summed where both are given).
      const owned: Tensor[] = [];
      const dStates: (Tensor | undefined)[][] = (states?.dFinal?.values ?? []).map((s) => [...(s ?? [])]);
      let dSeq: Tensor | undefined;
      if (spec.returnSequences) {
        dSeq = dy;
      } else if (dy) {
        const parts = dirs === 2 ? [await b.slice(dy, 1, 0, O), await b.slice(dy, 1, O, O)] : [dy];
        if (dirs === 2) owned.push(...parts);
        const dh = (dStates[0] ??= new Array<Tensor | undefined>(spec.numLayers * dirs).fill(undefined));
        for (const [d, t] of parts.entries()) {
          const prev = dh[lastLayer + d];
          if (prev) {
            const sum = await b.add(prev, t);
            owned.push(sum);
            dh[lastLayer + d] = sum;
          } else {
            dh[lastLayer + d] = t;
          }
        }
      }
      const g = await recurrentLayerBackward(b, cfg, saved.inner, { dy: dSeq, dStates });
      owned.forEach((t) => b.dispose(t));
      let dInitial: RecurrentState | undefined;
      if (states?.wantInitial) dInitial = { values: g.dStates };
      else g.dStates.forEach((s) => s.forEach((t) => b.dispose(t)));
      if (!needDx) b.dispose(g.dx);
      return { dx: needDx ? g.dx : undefined, grads: g.grads, dInitial };
    },
    disposeSaved(b: Backend, savedAny: unknown) {
      const saved = savedAny as Saved;
      disposeRecurrentSaved(b, saved.inner);
      saved.masks.forEach((m) => b.dispose(m));
    },
  };
}

/** Inverted dropout mask: 0 with probability p, else 1/(1-p). */
function dropoutMask(b: Backend, rng: Rng, shape: number[], p: number): Tensor {
  const n = shape.reduce((a, c) => a * c, 1);
  const m = new Float32Array(n);
  const keep = 1 / (1 - p);
  for (let i = 0; i < n; i++) m[i] = rng.next() < p ? 0 : keep;
  return b.tensor(m, shape, 'float32');
}
