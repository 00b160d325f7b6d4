// Builds a task's model on a backend with the configured initialisation (same numbers everywhere).
import { Sequential, type Backend } from '@rnnkit/core';
import { modelLayers, type TaskConfig } from './config.js';
import { kerasInitialWeights } from './keras-init.js';

export function createModel(backend: Backend, config: TaskConfig): Sequential {
  const model = Sequential.create(backend, modelLayers(config.model), { seed: config.seed });
  if (config.init === 'keras') model.setWeights(kerasInitialWeights(config.model, config.seed));
  return model;
}
