// @rnnkit/core/internal: what rnnkit's own conformance suite, apps and backends use beyond the
// public API. Not covered by semver; users should not need it.
export * from './recurrent-layer.js';
export * from './recurrent-loop.js';
export { TrackingOps } from './tracking-ops.js';
export type { BuiltLayer, LayerIO, RecurrentState, ForwardContext } from './layers/layer.js';
export { recurrentConfig } from './layers/recurrent.js';
export * from './dataset.js';
export * from './init.js';
export * from './losses.js';
export { Optimizer, checkOptimizerSpec } from './optimizers.js';
export { disposeStates } from './sequential.js';
export * from './checkpoint.js';
export { checkBackend } from './bind.js';
export * from './validate.js';
