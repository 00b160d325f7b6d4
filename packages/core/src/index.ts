export * from './backend.js';
export * from './cells.js';
export * from './rng.js';
export * from './dataset.js';
