// Layer configurations: plain data, no backend. Names follow PyTorch (inputSize, hiddenSize,
// numLayers, bidirectional, dropout) and Keras where PyTorch has no equivalent (returnSequences,
// units, inputDim/outputDim).
import type { RnnNonlinearity } from '../cells.js';

export interface EmbeddingSpec {
  readonly type: 'embedding';
  /** Vocabulary size V (PyTorch num_embeddings, Keras input_dim). */
  readonly inputDim: number;
  /** Embedding size E (PyTorch embedding_dim, Keras output_dim). */
  readonly outputDim: number;
}

export interface RecurrentSpec {
  readonly type: 'recurrent';
  readonly cell: 'rnn' | 'lstm' | 'gru';
  /** Features per step; inferred from the previous layer when omitted. */
  readonly inputSize?: number | undefined;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  /** Keras: output every step ([B, T, D·H]) instead of the final hidden state ([B, D·H]). */
  readonly returnSequences: boolean;
  /** Dropout on the outputs of every stacked layer but the last (PyTorch semantics). */
  readonly dropout: number;
  /** RNN only. */
  readonly nonlinearity: RnnNonlinearity;
  /** GRU only: PyTorch/cuDNN form (true) or the original form (false). */
  readonly resetAfter: boolean;
  /** LSTM only: initialise the forget-gate slice of bias_ih to 1 and of bias_hh to 0 (Keras unit_forget_bias). */
  readonly unitForgetBias: boolean;
}

export interface DenseSpec {
  readonly type: 'dense';
  /** Input features; inferred from the previous layer when omitted. */
  readonly inputSize?: number | undefined;
  readonly units: number;
}

export type LayerSpec = EmbeddingSpec | RecurrentSpec | DenseSpec;

export interface RecurrentOptions {
  inputSize?: number;
  hiddenSize: number;
  numLayers?: number;
  bidirectional?: boolean;
  returnSequences?: boolean;
  dropout?: number;
}

function recurrent(cell: RecurrentSpec['cell'], o: RecurrentOptions, extra: Partial<RecurrentSpec>): RecurrentSpec {
  return {
    type: 'recurrent',
    cell,
    inputSize: o.inputSize,
    hiddenSize: o.hiddenSize,
    numLayers: o.numLayers ?? 1,
    bidirectional: o.bidirectional ?? false,
    returnSequences: o.returnSequences ?? false,
    dropout: o.dropout ?? 0,
    nonlinearity: 'tanh',
    resetAfter: true,
    unitForgetBias: false,
    ...extra,
  };
}

/** Layer constructors, as `layers.lstm({ inputSize: 28, hiddenSize: 128 })`. */
export const layers = {
  /** Elman RNN (PyTorch nn.RNN). */
  rnn: (o: RecurrentOptions & { nonlinearity?: RnnNonlinearity }): RecurrentSpec =>
    recurrent('rnn', o, { nonlinearity: o.nonlinearity ?? 'tanh' }),
  /** LSTM (PyTorch nn.LSTM). `unitForgetBias` defaults to true, as in Keras. */
  lstm: (o: RecurrentOptions & { unitForgetBias?: boolean }): RecurrentSpec =>
    recurrent('lstm', o, { unitForgetBias: o.unitForgetBias ?? true }),
  /** GRU (PyTorch nn.GRU); `resetAfter: false` selects the original form. */
  gru: (o: RecurrentOptions & { resetAfter?: boolean }): RecurrentSpec =>
    recurrent('gru', o, { resetAfter: o.resetAfter ?? true }),
  /** Fully connected layer producing logits (PyTorch nn.Linear, Keras Dense without activation). */
  dense: (o: { units: number; inputSize?: number }): DenseSpec => ({ type: 'dense', units: o.units, inputSize: o.inputSize }),
  /** Token embedding (PyTorch nn.Embedding, Keras Embedding). */
  embedding: (o: { inputDim: number; outputDim: number }): EmbeddingSpec => ({
    type: 'embedding',
    inputDim: o.inputDim,
    outputDim: o.outputDim,
  }),
};
