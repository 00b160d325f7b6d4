// Builds a task's model on a backend with the configured initialisation (same numbers everywhere).
import { Sequential, type Backend } from '@rnnkit/core';
import { modelLayers, type TaskConfig } from './config.js';

export function createModel(backend: Backend, config: TaskConfig): Sequential {
  return Sequential.create(backend, modelLayers(config.model), { seed: config.seed, initializer: config.init, fused: config.path === 'fused' });
}
