// @rnnkit/core/host: host-array loops that several backends share (the primitives, losses,
// softmax, embedding, optimizer updates), precision-generic over Float32Array and Float64Array.
// For backend authors; not part of the model API.
export * from './alloc.js';
export * from './primitives.js';
export * from './losses.js';
export * from './embedding.js';
export * from './optimizers.js';
