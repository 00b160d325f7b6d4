// Layer configurations: plain data, no backend. Names follow PyTorch (inputSize, hiddenSize,
// numLayers, bidirectional, dropout) and Keras where PyTorch has no equivalent (returnSequences,
// units, inputDim/outputDim).
import type { RnnNonlinearity } from '../cells.js';
import { checkOptions } from '../strict-options.js';
import { trainableField } from './trainable.js';

export interface EmbeddingSpec {
  readonly type: 'embedding';
  /** Vocabulary size V (PyTorch num_embeddings, Keras input_dim). */
  readonly inputDim: number;
  /** Embedding size E (PyTorch embedding_dim, Keras output_dim). */
  readonly outputDim: number;
  /**
   * PyTorch padding_idx: this row starts at zero and gets no gradient, so it stays as it is
   * (zero unless set). Only present when given.
   */
  readonly paddingIdx?: number | undefined;
  /** Present (false) only for a frozen layer; see `LayerOptions.trainable`. */
  readonly trainable?: false | undefined;
}

export interface RecurrentSpec {
  readonly type: 'recurrent';
  /** The cell kind, a key of core's cell catalogue (`rnn`, `lstm`, `gru`, `ctrnn`). */
  readonly cell: string;
  /** Features per step; inferred from the previous layer when omitted. */
  readonly inputSize?: number | undefined;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  /** Keras: output every step ([B, T, D·O]) instead of the final output ([B, D·O]). */
  readonly returnSequences: boolean;
  /** Dropout on the outputs of every stacked layer but the last (PyTorch semantics). */
  readonly dropout: number;
  /** The cell's own options, as given (checked and defaulted by its definition when the layer is built). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Present (false) only for a frozen layer; see `LayerOptions.trainable`. */
  readonly trainable?: false | undefined;
}

export interface DenseSpec {
  readonly type: 'dense';
  /** Input features; inferred from the previous layer when omitted. */
  readonly inputSize?: number | undefined;
  readonly units: number;
  /** Present (false) only for a frozen layer; see `LayerOptions.trainable`. */
  readonly trainable?: false | undefined;
}

export type LayerSpec = EmbeddingSpec | RecurrentSpec | DenseSpec;

/** What every layer constructor takes. */
export interface LayerOptions {
  /**
   * false freezes the layer (Keras `trainable`, PyTorch `requires_grad_(False)`): no optimizer
   * updates its parameters, none keeps slots for them or decays them, and they are left out of
   * clipNorm's global norm. Gradients still flow through it to the layers before it. Default
   * true; saved with the layer in checkpoints.
   */
  trainable?: boolean;
}

export interface RecurrentOptions extends LayerOptions {
  inputSize?: number;
  hiddenSize: number;
  numLayers?: number;
  bidirectional?: boolean;
  returnSequences?: boolean;
  dropout?: number;
}

// `trainable` is the layer's, never the cell's: the cell's definition rejects keys it does not know.
const LAYER_OPTIONS = ['inputSize', 'hiddenSize', 'numLayers', 'bidirectional', 'returnSequences', 'dropout', 'trainable'] as const;

/** Splits user options into the layer's and the cell's; the cell's definition checks its own. */
function recurrent(cell: string, o: RecurrentOptions): RecurrentSpec {
  if (!o || typeof o !== 'object') throw new Error(`layers.${cell}: expected an options object, got ${JSON.stringify(o)}`);
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o as object)) if (!(LAYER_OPTIONS as readonly string[]).includes(k) && v !== undefined) options[k] = v;
  return {
    type: 'recurrent',
    cell,
    inputSize: o.inputSize,
    hiddenSize: o.hiddenSize,
    numLayers: o.numLayers ?? 1,
    bidirectional: o.bidirectional ?? false,
    returnSequences: o.returnSequences ?? false,
    dropout: o.dropout ?? 0,
    options,
    ...trainableField(`layers.${cell}`, o.trainable),
  };
}

export interface ConvLstmOptions extends LayerOptions {
  /** Channels C of the input frames; inferred from the previous layer when omitted. */
  inChannels?: number;
  /** Hidden channels Hc. */
  hiddenChannels: number;
  /** Odd kernel size k of both convolutions ("same" padding). */
  kernelSize: number;
  numLayers?: number;
  bidirectional?: boolean;
  returnSequences?: boolean;
  dropout?: number;
  unitForgetBias?: boolean;
}

/** ConvLSTM's channel names map onto the recurrent spec's sizes; `inputSize`/`hiddenSize` are not its words. */
function convLstm(o: ConvLstmOptions): RecurrentSpec {
  if (!o || typeof o !== 'object') throw new Error(`layers.convLstm: expected an options object, got ${JSON.stringify(o)}`);
  const { inChannels, hiddenChannels, ...rest } = o as ConvLstmOptions & Record<string, unknown>;
  for (const k of ['inputSize', 'hiddenSize'] as const) {
    if (rest[k] !== undefined) throw new Error(`layers.convLstm: unknown option '${k}' (use ${k === 'inputSize' ? 'inChannels' : 'hiddenChannels'})`);
  }
  return recurrent('convLstm', { ...rest, inputSize: inChannels, hiddenSize: hiddenChannels } as RecurrentOptions);
}

/** Layer constructors, as `layers.lstm({ inputSize: 28, hiddenSize: 128 })`. */
export const layers = {
  /** Elman RNN (PyTorch nn.RNN). */
  rnn: (o: RecurrentOptions & { nonlinearity?: RnnNonlinearity }): RecurrentSpec => recurrent('rnn', o),
  /**
   * LSTM (PyTorch nn.LSTM). `unitForgetBias` defaults to true, as in Keras. At most one variant:
   * `projSize` (PyTorch proj_size), `peephole: true`, `layerNorm: true` (shared/CELLS.md).
   */
  lstm: (o: RecurrentOptions & { unitForgetBias?: boolean; projSize?: number; peephole?: boolean; layerNorm?: boolean }): RecurrentSpec => recurrent('lstm', o),
  /** GRU (PyTorch nn.GRU); `resetAfter: false` selects the original form. */
  gru: (o: RecurrentOptions & { resetAfter?: boolean }): RecurrentSpec => recurrent('gru', o),
  /** Continuous-time RNN: h_t = (1 − α) h_{t−1} + α·act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), α in (0, 1] (default 0.2). */
  ctrnn: (o: RecurrentOptions & { alpha?: number; nonlinearity?: RnnNonlinearity }): RecurrentSpec => recurrent('ctrnn', o),
  /** Jordan network: the output y_t = tanh(W_ho h_t + b_ho), of size `outputSize`, is what is fed back. */
  jordan: (o: RecurrentOptions & { outputSize: number; nonlinearity?: RnnNonlinearity }): RecurrentSpec => recurrent('jordan', o),
  /** minGRU (Feng et al. 2024): gates from x alone, h_t = (1 − z) ⊙ h_{t−1} + z ⊙ h̃; runs as a parallel scan. */
  minGru: (o: RecurrentOptions): RecurrentSpec => recurrent('minGru', o),
  /** minLSTM (Feng et al. 2024): h_t = (f ⊙ h_{t−1} + i ⊙ h̃) / (f + i); runs as a parallel scan. */
  minLstm: (o: RecurrentOptions): RecurrentSpec => recurrent('minLstm', o),
  /**
   * ConvLSTM (Shi et al. 2015) over frames x: [B, T, C, H, W] → [B, T, D·Hc, H, W] (or the last
   * [B, D·Hc, H, W]): the LSTM with "same" k × k convolutions in place of its products.
   */
  convLstm: (o: ConvLstmOptions): RecurrentSpec => convLstm(o),
  /** Fully connected layer producing logits (PyTorch nn.Linear, Keras Dense without activation). */
  dense: (o: { units: number; inputSize?: number } & LayerOptions): DenseSpec => {
    checkOptions(o, ['units', 'inputSize', 'trainable'], 'layers.dense');
    return { type: 'dense', units: o.units, inputSize: o.inputSize, ...trainableField('layers.dense', o.trainable) };
  },
  /**
   * Token embedding (PyTorch nn.Embedding, Keras Embedding). `paddingIdx` as PyTorch's
   * padding_idx (an id in [0, inputDim)): its row starts at zero and is never updated. For
   * Keras's mask_zero, give the data `lengths: lengthsFromPadding(x, 0)`.
   */
  embedding: (o: { inputDim: number; outputDim: number; paddingIdx?: number } & LayerOptions): EmbeddingSpec => {
    checkOptions(o, ['inputDim', 'outputDim', 'paddingIdx', 'trainable'], 'layers.embedding');
    return {
      type: 'embedding',
      inputDim: o.inputDim,
      outputDim: o.outputDim,
      ...(o.paddingIdx !== undefined ? { paddingIdx: o.paddingIdx } : {}),
      ...trainableField('layers.embedding', o.trainable),
    };
  },
};
