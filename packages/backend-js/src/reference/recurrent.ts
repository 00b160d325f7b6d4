// Dispatch of the float64 reference recurrent kernels by cell kind.

import type { CellSpec } from '@rnnkit/core';
import type {
  RecurrentDims,
  RecurrentGrads,
  RecurrentInputs,
  RecurrentOutputs,
  RecurrentUpstream,
  RecurrentWeights,
} from '../recurrent-types.js';
import { gruBackward, gruForward, type GruCache } from './gru.js';
import { lstmBackward, lstmForward, type LstmCache } from './lstm.js';
import { rnnBackward, rnnForward, type RnnCache } from './rnn.js';

export type ReferenceCache = LstmCache | GruCache | RnnCache;

export function referenceRecurrentForward(
  cell: CellSpec,
  d: RecurrentDims,
  w: RecurrentWeights<Float64Array>,
  inp: RecurrentInputs<Float64Array>,
  training: boolean,
): RecurrentOutputs<Float64Array, ReferenceCache> {
  switch (cell.kind) {
    case 'lstm':
      return lstmForward(d, w, inp, training);
    case 'gru':
      return gruForward(d, w, inp, cell.resetAfter, training);
    case 'rnn':
      return rnnForward(d, w, inp, cell.nonlinearity, training);
  }
}

export function referenceRecurrentBackward(
  cell: CellSpec,
  d: RecurrentDims,
  w: RecurrentWeights<Float64Array>,
  inp: RecurrentInputs<Float64Array>,
  cache: ReferenceCache,
  up: RecurrentUpstream<Float64Array>,
): RecurrentGrads<Float64Array> {
  switch (cell.kind) {
    case 'lstm':
      return lstmBackward(d, w, inp, cache as LstmCache, up);
    case 'gru':
      return gruBackward(d, w, inp, cell.resetAfter, cache as GruCache, up);
    case 'rnn':
      return rnnBackward(d, w, inp, cell.nonlinearity, cache as RnnCache, up);
  }
}
