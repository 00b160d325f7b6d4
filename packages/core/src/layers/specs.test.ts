import { describe, expect, it } from 'vitest';
import { layers } from './specs.js';
import { buildEmbedding } from './embedding.js';
import { buildRecurrent } from './recurrent.js';
import { Rng } from '../rng.js';

describe('layer-level options: trainable and paddingIdx', () => {
  it('trainable: false is stored on the spec (and only then), never passed to the cell', () => {
    const frozen = layers.lstm({ inputSize: 2, hiddenSize: 3, trainable: false });
    expect(frozen.trainable).toBe(false);
    expect(frozen.options).toEqual({});
    expect(JSON.stringify(layers.gru({ inputSize: 2, hiddenSize: 3, trainable: true }))).toBe(JSON.stringify(layers.gru({ inputSize: 2, hiddenSize: 3 })));
    expect(layers.convLstm({ inChannels: 1, hiddenChannels: 2, kernelSize: 3, trainable: false }).trainable).toBe(false);
    expect(layers.dense({ units: 2, trainable: false })).toEqual({ type: 'dense', units: 2, inputSize: undefined, trainable: false });
    expect(layers.embedding({ inputDim: 4, outputDim: 2, trainable: false }).trainable).toBe(false);
    expect(buildRecurrent(frozen, undefined, 0).trainable).toBe(false);
    expect(buildRecurrent(layers.rnn({ inputSize: 2, hiddenSize: 3 }), undefined, 0).trainable).toBe(true);
  });

  it('a trainable that is not a boolean is an error naming it, from constructors and from specs (checkpoints)', () => {
    expect(() => layers.lstm({ inputSize: 2, hiddenSize: 3, trainable: 'no' as never })).toThrow('layers.lstm: trainable: expected true or false, got "no"');
    expect(() => layers.dense({ units: 2, trainable: 0 as never })).toThrow('layers.dense: trainable: expected true or false, got 0');
    expect(() => buildRecurrent({ ...layers.rnn({ inputSize: 2, hiddenSize: 3 }), trainable: 1 } as never, undefined, 0)).toThrow('layer 0 (rnn): trainable: expected true or false, got 1');
  });

  it('paddingIdx: that row starts at zero under both initialisers; the other rows are drawn as without it', () => {
    const plain = buildEmbedding(layers.embedding({ inputDim: 4, outputDim: 3 }), undefined, 0);
    const padded = buildEmbedding(layers.embedding({ inputDim: 4, outputDim: 3, paddingIdx: 2 }), undefined, 0);
    for (const scheme of ['pytorch', 'keras'] as const) {
      const a = plain.init(new Rng(1), scheme).get('weight')!;
      const b = padded.init(new Rng(1), scheme).get('weight')!;
      expect(Array.from(b.subarray(6, 9))).toEqual([0, 0, 0]);
      expect(Array.from(b.subarray(0, 6))).toEqual(Array.from(a.subarray(0, 6)));
      expect(Array.from(b.subarray(9))).toEqual(Array.from(a.subarray(9)));
    }
    expect(layers.embedding({ inputDim: 4, outputDim: 3 })).not.toHaveProperty('paddingIdx');
    expect(() => buildEmbedding(layers.embedding({ inputDim: 4, outputDim: 3, paddingIdx: 4 }), undefined, 0)).toThrow('layer 0 (embedding): paddingIdx: expected an id in [0, 4), got 4');
    expect(() => layers.embedding({ inputDim: 4, outputDim: 3, padding_idx: 0 } as never)).toThrow("layers.embedding: unknown option 'padding_idx': use layers.embedding({ ..., paddingIdx })");
    expect(() => layers.embedding({ inputDim: 4, outputDim: 3, maskZero: true } as never)).toThrow(/unknown option 'maskZero': give the data lengths: lengthsFromPadding\(x, 0\)/);
  });
});
