// Dense layer (PyTorch nn.Linear): [..., I] → [..., U] logits. Initialised as PyTorch:
// weight and bias U(-1/√I, 1/√I) (kaiming_uniform with a = √5 reduces to this bound); Keras:
// glorot_uniform weight, zero bias.
import type { Backend, Saved, Tensor } from '../backend.js';
import { glorotUniform, uniformInit, type Initializer } from '../init.js';
import type { Rng } from '../rng.js';
import { positiveInt } from './embedding.js';
import type { BuiltLayer, ForwardContext, LayerForward, LayerIO } from './layer.js';
import type { DenseSpec } from './specs.js';
import { isTrainable } from './trainable.js';

export function buildDense(spec: DenseSpec, input: LayerIO | undefined, index: number): BuiltLayer {
  const where = `layer ${index} (dense)`;
  positiveInt(`${where}: units`, spec.units);
  if (input?.kind === 'ids') throw new Error(`${where}: cannot take token ids; put an embedding layer first`);
  if (input?.kind === 'frames' || input?.kind === 'image') {
    throw new Error(`${where}: takes features on the last axis, but the previous layer outputs ${input.kind === 'frames' ? 'frames [B, T, C, H, W]' : 'an image [B, C, H, W]'} (channels on axis ${input.kind === 'frames' ? 2 : 1})`);
  }
  const inSize = spec.inputSize ?? input?.features;
  if (inSize === undefined) throw new Error(`${where}: inputSize is required for the first layer`);
  positiveInt(`${where}: inputSize`, inSize);
  if (input && spec.inputSize !== undefined && input.features !== spec.inputSize) {
    throw new Error(`${where}: inputSize: expected ${input.features} (the previous layer's output), got ${spec.inputSize}`);
  }
  const inIO: LayerIO = input ?? { kind: 'vector', features: inSize };
  const bound = 1 / Math.sqrt(inSize);
  return {
    spec,
    trainable: isTrainable(spec, where),
    input: inIO,
    output: { kind: inIO.kind === 'sequence' ? 'sequence' : 'vector', features: spec.units },
    params: [
      { name: 'weight', shape: [spec.units, inSize] },
      { name: 'bias', shape: [spec.units] },
    ],
    init: (rng: Rng, scheme: Initializer) =>
      scheme === 'keras'
        ? new Map([
            ['weight', glorotUniform(rng, spec.units * inSize, inSize, spec.units)],
            ['bias', new Float32Array(spec.units)],
          ])
        : new Map([
            ['weight', uniformInit(rng, spec.units * inSize, bound)],
            ['bias', uniformInit(rng, spec.units, bound)],
          ]),
    async forward(b: Backend, p: ReadonlyMap<string, Tensor>, x: Tensor, ctx: ForwardContext): Promise<LayerForward> {
      const r = await b.denseForward(p.get('weight')!, p.get('bias')!, x, ctx.training);
      return { y: r.y, saved: r.saved };
    },
    async backward(b: Backend, saved: unknown, dy: Tensor) {
      const { dx, dw, db } = await b.denseBackward(saved as Saved, dy);
      return { dx, grads: new Map([['weight', dw], ['bias', db]]) };
    },
    disposeSaved: (b: Backend, saved: unknown) => b.disposeSaved(saved as Saved),
  };
}
