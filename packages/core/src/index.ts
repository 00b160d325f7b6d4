// @rnnkit/core's public surface: the model API, the cells, and the backend contract (for backend
// authors). Internals the conformance suite and the apps need are at `@rnnkit/core/internal`;
// host-array loops for backends at `@rnnkit/core/host`.
export * from './backend.js';
export { checkedBackend } from './checked-backend.js';
export type { CellConfig, CellDefinition, CellOps, CellParams, CellSizes, ParamDecl, StateDecl, StepBackward, StepForward } from './cells/cell.js';
export { cellCatalogue, cellDefinition } from './cells/catalogue.js';
export { traceBackwardStep, traceForwardStep, type CellBackwardTrace, type CellTrace, type TraceInput, type TraceNode } from './trace.js';
export { rnnCell, type RnnCell } from './cells/rnn.js';
export { lstmCell, type LstmCell } from './cells/lstm.js';
export { gruCell, type GruCell } from './cells/gru.js';
export { ctrnnCell, type CtrnnCell } from './cells/ctrnn.js';
export { classicCell, gateCount, gateOrder, hasCellState, describeCell, type CellSpec, type CellKind, type RnnNonlinearity } from './cells.js';
export { Rng } from './rng.js';
export { type HostTensor, type Dataset, datasetSize, takeFirst } from './dataset.js';
export type { StateDictNames, StateDictReport } from './state-dict.js';
export type { Initializer } from './init.js';
export * from './layers/specs.js';
export type { LossName } from './losses.js';
export { LOSS_NAMES } from './losses.js';
export { adam, adamw, sgd, rmsprop, type AdamOptions, type AdamwOptions, type SgdOptions, type RmspropOptions, type OptimizerSpec } from './optimizers.js';
export { stepLR, exponentialLR, cosineLR, reduceLROnPlateau, type LrSchedule, type ReduceLROnPlateauOptions } from './lr-schedules.js';
export { earlyStopping, type EarlyStoppingOptions, type EarlyStoppingState } from './early-stopping.js';
export type { FitContext, Monitor } from './callbacks.js';
export { lengthsFromPadding } from './padding.js';
export {
  Sequential,
  type SequentialOptions,
  type BatchLog,
  type EpochLog,
  type Callbacks,
  type TrainOptions,
  type FitOptions,
  type EvaluateResult,
  type ForwardResult,
  type InitialState,
  type LayerStates,
} from './sequential.js';
export { SequenceStream } from './stream.js';
export { bindBackend, type BoundApi, type ModelOptions } from './bind.js';
