// @rnnkit/backend-tfjs: the model API bound to the TensorFlow.js backend, its factory and its
// options. The backend's class and kernels are internal: core reaches them through the Backend
// contract only.
import { bindBackend } from '@rnnkit/core';
import { createTfjsBackend } from './create-tfjs-backend.js';

export { createTfjsBackend, type TfjsBackendOptions } from './create-tfjs-backend.js';

// The model API bound to this backend. Every backend package exports the same names, so that
// switching backend is a one-line import change.
const api = bindBackend(createTfjsBackend);
export const sequential = api.sequential;
export const loadModel = api.loadModel;
export const stream = api.stream;
export * from '@rnnkit/core';
