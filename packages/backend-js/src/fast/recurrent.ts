// Dispatch of the float32 fast recurrent kernels by cell kind.

import type { CellSpec } from '@rnnkit/core';
import type {
  RecurrentDims,
  RecurrentGrads,
  RecurrentInputs,
  RecurrentOutputs,
  RecurrentUpstream,
  RecurrentWeights,
} from '../recurrent-types.js';
import { gruBackward, gruForward, type FastGruCache } from './gru.js';
import { lstmBackward, lstmForward, type FastLstmCache } from './lstm.js';
import { rnnBackward, rnnForward, type FastRnnCache } from './rnn.js';

export type FastCache = FastLstmCache | FastGruCache | FastRnnCache;

export function fastRecurrentForward(
  cell: CellSpec,
  d: RecurrentDims,
  w: RecurrentWeights<Float32Array>,
  inp: RecurrentInputs<Float32Array>,
  training: boolean,
): RecurrentOutputs<Float32Array, FastCache> {
  switch (cell.kind) {
    case 'lstm':
      return lstmForward(d, w, inp, training);
    case 'gru':
      return gruForward(d, w, inp, cell.resetAfter, training);
    case 'rnn':
      return rnnForward(d, w, inp, cell.nonlinearity, training);
  }
}

export function fastRecurrentBackward(
  cell: CellSpec,
  d: RecurrentDims,
  w: RecurrentWeights<Float32Array>,
  inp: RecurrentInputs<Float32Array>,
  cache: FastCache,
  up: RecurrentUpstream<Float32Array>,
): RecurrentGrads<Float32Array> {
  switch (cell.kind) {
    case 'lstm':
      return lstmBackward(d, w, inp, cache as FastLstmCache, up);
    case 'gru':
      return gruBackward(d, w, inp, cell.resetAfter, cache as FastGruCache, up);
    case 'rnn':
      return rnnBackward(d, w, inp, cell.nonlinearity, cache as FastRnnCache, up);
  }
}
