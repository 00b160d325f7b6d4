// Embedding layer: ids [B, T] int32 → [B, T, E]. Weight [V, E] initialised N(0, 1) as in PyTorch
// (Keras: U(-0.05, 0.05)).
import type { Backend, Saved, Tensor } from '../backend.js';
import { normalInit, uniformInit, type Initializer } from '../init.js';
import type { Rng } from '../rng.js';
import type { BuiltLayer, ForwardContext, LayerForward, LayerIO } from './layer.js';
import type { EmbeddingSpec } from './specs.js';

export function buildEmbedding(spec: EmbeddingSpec, input: LayerIO | undefined, index: number): BuiltLayer {
  if (input && input.kind !== 'ids') {
    throw new Error(`layer ${index} (embedding): must be the first layer, taking token ids; got ${input.kind} input`);
  }
  positiveInt(`layer ${index} (embedding): inputDim`, spec.inputDim);
  positiveInt(`layer ${index} (embedding): outputDim`, spec.outputDim);
  return {
    spec,
    input: { kind: 'ids', vocab: spec.inputDim },
    output: { kind: 'sequence', features: spec.outputDim },
    params: [{ name: 'weight', shape: [spec.inputDim, spec.outputDim] }],
    init: (rng: Rng, scheme: Initializer) => {
      const n = spec.inputDim * spec.outputDim;
      return new Map([['weight', scheme === 'keras' ? uniformInit(rng, n, 0.05) : normalInit(rng, n)]]);
    },
    async forward(b: Backend, p: ReadonlyMap<string, Tensor>, x: Tensor, ctx: ForwardContext): Promise<LayerForward> {
      const r = await b.embeddingForward(p.get('weight')!, x, ctx.training);
      return { y: r.y, saved: r.saved };
    },
    async backward(b: Backend, saved: unknown, dy: Tensor) {
      const { dWeight } = await b.embeddingBackward(saved as Saved, dy);
      return { grads: new Map([['weight', dWeight]]) };
    },
    disposeSaved: (b: Backend, saved: unknown) => b.disposeSaved(saved as Saved),
  };
}

export function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: expected a positive integer, got ${v}`);
}
