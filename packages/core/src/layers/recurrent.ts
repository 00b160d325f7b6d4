// Recurrent layer (PyTorch nn.RNN / nn.LSTM / nn.GRU, batch-first) as a model layer.
// x: [B, T, I] → returnSequences ? y: [B, T, D·H] : the final hidden state [B, D·H]
// (forward ‖ reverse of the last stacked layer, each at each sample's last valid step).
import type { Backend, Tensor } from '../backend.js';
import type { CellSpec } from '../cells.js';
import { glorotUniform, orthogonalInit, uniformInit, type Initializer } from '../init.js';
import {
  directionCount,
  disposeRecurrentSaved,
  recurrentLayerBackward,
  recurrentLayerForward,
  recurrentParamShapes,
  type RecurrentConfig,
  type RecurrentLayerSaved,
} from '../recurrent-layer.js';
import type { Rng } from '../rng.js';
import { positiveInt } from './embedding.js';
import type { BuiltLayer, ForwardContext, LayerForward, LayerIO } from './layer.js';
import type { RecurrentSpec } from './specs.js';

export function cellOf(spec: RecurrentSpec): CellSpec {
  switch (spec.cell) {
    case 'rnn':
      return { kind: 'rnn', nonlinearity: spec.nonlinearity };
    case 'lstm':
      return { kind: 'lstm' };
    case 'gru':
      return { kind: 'gru', resetAfter: spec.resetAfter };
  }
}

export function recurrentConfig(spec: RecurrentSpec, inputSize: number): RecurrentConfig {
  return {
    cell: cellOf(spec),
    inputSize,
    hiddenSize: spec.hiddenSize,
    numLayers: spec.numLayers,
    bidirectional: spec.bidirectional,
  };
}

interface Saved {
  readonly inner: RecurrentLayerSaved;
  readonly masks: Tensor[];
}

export function buildRecurrent(spec: RecurrentSpec, input: LayerIO | undefined, index: number): BuiltLayer {
  const where = `layer ${index} (${spec.cell})`;
  positiveInt(`${where}: hiddenSize`, spec.hiddenSize);
  positiveInt(`${where}: numLayers`, spec.numLayers);
  if (!(spec.dropout >= 0 && spec.dropout < 1)) throw new Error(`${where}: dropout: expected a number in [0, 1), got ${spec.dropout}`);
  if (spec.cell === 'rnn' && spec.nonlinearity !== 'tanh' && spec.nonlinearity !== 'relu') {
    throw new Error(`${where}: nonlinearity: expected 'tanh' or 'relu', got '${spec.nonlinearity}'`);
  }
  if (input?.kind === 'ids') throw new Error(`${where}: cannot take token ids; put an embedding layer first`);
  if (input?.kind === 'vector') throw new Error(`${where}: needs a sequence [B, T, F], but the previous layer outputs a vector [B, F]; set returnSequences: true on it`);
  const inSize = spec.inputSize ?? input?.features;
  if (inSize === undefined) throw new Error(`${where}: inputSize is required for the first layer`);
  positiveInt(`${where}: inputSize`, inSize);
  if (input && spec.inputSize !== undefined && input.features !== spec.inputSize) {
    throw new Error(`${where}: inputSize: expected ${input.features} (the previous layer's output), got ${spec.inputSize}`);
  }
  const cfg = recurrentConfig(spec, inSize);
  const dirs = directionCount(cfg);
  const outFeatures = dirs * spec.hiddenSize;
  const shapes = recurrentParamShapes(cfg);
  const H = spec.hiddenSize;
  const lastLayer = (spec.numLayers - 1) * dirs;

  return {
    spec,
    input: { kind: 'sequence', features: inSize },
    output: spec.returnSequences ? { kind: 'sequence', features: outFeatures } : { kind: 'vector', features: outFeatures },
    params: shapes,
    init(rng: Rng, scheme: Initializer) {
      // Drawn in state_dict order. PyTorch: every weight and bias U(-1/√H, 1/√H). Keras: kernel
      // glorot_uniform over (fan_in I, fan_out G·H), recurrent kernel orthogonal, biases zero.
      const bound = 1 / Math.sqrt(H);
      const out = new Map<string, Float32Array>();
      for (const { name, shape } of shapes) {
        const n = shape.reduce((a, b) => a * b, 1);
        const [rows, cols] = shape as [number, number];
        const values =
          scheme !== 'keras'
            ? uniformInit(rng, n, bound)
            : name.startsWith('weight_ih')
              ? glorotUniform(rng, n, cols, rows)
              : name.startsWith('weight_hh')
                ? orthogonalInit(rng, rows, cols)
                : new Float32Array(n);
        if (spec.cell === 'lstm' && spec.unitForgetBias && name.startsWith('bias_')) {
          // Gate order i, f, g, o: the forget slice is [H, 2H). Total forget bias 1 = b_ih 1 + b_hh 0.
          values.fill(name.startsWith('bias_ih') ? 1 : 0, H, 2 * H);
        }
        out.set(name, values);
      }
      return out;
    },
    forward(b: Backend, p: ReadonlyMap<string, Tensor>, x: Tensor, ctx: ForwardContext): LayerForward {
      const masks: Tensor[] = [];
      if (ctx.training && spec.dropout > 0 && ctx.rng) {
        const [B, T] = x.shape as [number, number];
        for (let k = 1; k < spec.numLayers; k++) masks.push(dropoutMask(b, ctx.rng, [B, T, outFeatures], spec.dropout));
      }
      const r = recurrentLayerForward(b, cfg, p, {
        x,
        h0: ctx.initialState?.h,
        c0: ctx.initialState?.c,
        lengths: ctx.lengths,
        training: ctx.training,
        dropoutMasks: masks.length ? masks : undefined,
      });
      let y = r.y;
      if (!spec.returnSequences) {
        b.dispose(r.y);
        y = dirs === 2 ? b.concatLast(r.hT[lastLayer]!, r.hT[lastLayer + 1]!) : b.reshape(r.hT[lastLayer]!, r.hT[lastLayer]!.shape);
      }
      let state: LayerForward['state'];
      if (ctx.keepState) {
        state = { h: r.hT, c: r.cT };
      } else {
        r.hT.forEach((t) => b.dispose(t));
        r.cT?.forEach((t) => b.dispose(t));
      }
      const saved: Saved | undefined = r.saved ? { inner: r.saved, masks } : undefined;
      if (!saved) masks.forEach((m) => b.dispose(m));
      return { y, saved, state };
    },
    backward(b: Backend, savedAny: unknown, dy: Tensor, needDx: boolean) {
      const saved = savedAny as Saved;
      let g;
      if (spec.returnSequences) {
        g = recurrentLayerBackward(b, cfg, saved.inner, { dy });
      } else {
        const dhT: (Tensor | undefined)[] = new Array(spec.numLayers * dirs).fill(undefined);
        const parts = dirs === 2 ? [b.sliceLast(dy, 0, H), b.sliceLast(dy, H, H)] : [dy];
        parts.forEach((t, d) => (dhT[lastLayer + d] = t));
        g = recurrentLayerBackward(b, cfg, saved.inner, { dhT });
        if (dirs === 2) parts.forEach((t) => b.dispose(t));
      }
      g.dh0.forEach((t) => b.dispose(t));
      g.dc0?.forEach((t) => b.dispose(t));
      if (!needDx) b.dispose(g.dx);
      return { dx: needDx ? g.dx : undefined, grads: g.grads };
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

