// Embedding layer: ids [B, T] int32 → [B, T, E]. Weight [V, E] initialised N(0, 1) as in PyTorch
// (Keras: U(-0.05, 0.05)). With paddingIdx (PyTorch padding_idx) that row starts at zero under
// either scheme and its gradient is always zero, so no optimizer moves it.
import type { Backend, Saved, Tensor } from '../backend.js';
import { normalInit, uniformInit, type Initializer } from '../init.js';
import type { Rng } from '../rng.js';
import type { BuiltLayer, ForwardContext, LayerForward, LayerIO } from './layer.js';
import type { EmbeddingSpec } from './specs.js';
import { isTrainable } from './trainable.js';

export function buildEmbedding(spec: EmbeddingSpec, input: LayerIO | undefined, index: number): BuiltLayer {
  if (input && input.kind !== 'ids') {
    throw new Error(`layer ${index} (embedding): must be the first layer, taking token ids; got ${input.kind} input`);
  }
  positiveInt(`layer ${index} (embedding): inputDim`, spec.inputDim);
  positiveInt(`layer ${index} (embedding): outputDim`, spec.outputDim);
  const pad = spec.paddingIdx;
  if (pad !== undefined && !(Number.isInteger(pad) && pad >= 0 && pad < spec.inputDim)) {
    throw new Error(`layer ${index} (embedding): paddingIdx: expected an id in [0, ${spec.inputDim}), got ${JSON.stringify(pad)}`);
  }
  const V = spec.inputDim;
  const E = spec.outputDim;
  return {
    spec,
    trainable: isTrainable(spec, `layer ${index} (embedding)`),
    input: { kind: 'ids', vocab: V },
    output: { kind: 'sequence', features: E },
    params: [{ name: 'weight', shape: [V, E] }],
    init: (rng: Rng, scheme: Initializer) => {
      const n = V * E;
      // Drawn in full first, so the other rows are the same with or without paddingIdx.
      const w = scheme === 'keras' ? uniformInit(rng, n, 0.05) : normalInit(rng, n);
      if (pad !== undefined) w.fill(0, pad * E, (pad + 1) * E);
      return new Map([['weight', w]]);
    },
    async forward(b: Backend, p: ReadonlyMap<string, Tensor>, x: Tensor, ctx: ForwardContext): Promise<LayerForward> {
      const r = await b.embeddingForward(p.get('weight')!, x, ctx.training);
      return { y: r.y, saved: r.saved };
    },
    async backward(b: Backend, saved: unknown, dy: Tensor) {
      const { dWeight } = await b.embeddingBackward(saved as Saved, dy);
      if (pad === undefined) return { grads: new Map([['weight', dWeight]]) };
      // Row `pad` of the gradient replaced by zeros with the primitives (slice, concat), so no
      // backend needs a kernel of its own for it and no [V, E] mask is uploaded.
      const parts: Tensor[] = [];
      if (pad > 0) parts.push(await b.slice(dWeight, 0, 0, pad));
      parts.push(b.zeros([1, E]));
      if (pad < V - 1) parts.push(await b.slice(dWeight, 0, pad + 1, V - pad - 1));
      b.dispose(dWeight);
      if (parts.length === 1) return { grads: new Map([['weight', parts[0]!]]) };
      const masked = await b.concat(parts, 0);
      parts.forEach((t) => b.dispose(t));
      return { grads: new Map([['weight', masked]]) };
    },
    disposeSaved: (b: Backend, saved: unknown) => b.disposeSaved(saved as Saved),
  };
}

export function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: expected a positive integer, got ${v}`);
}
