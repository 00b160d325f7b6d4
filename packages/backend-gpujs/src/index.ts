// @rnnkit/backend-gpujs: the model API bound to the gpu.js backend, its factory and its options.
// The backend's class, engine and kernels are internal: core reaches them through the Backend
// contract only.
import { bindBackend } from '@rnnkit/core';
import { createGpujsBackend } from './create-gpujs-backend.js';

export { createGpujsBackend, type GpujsBackendOptions } from './create-gpujs-backend.js';

// The model API bound to this backend. Every backend package exports the same names, so that
// switching backend is a one-line import change.
const api = bindBackend(createGpujsBackend);
export const sequential = api.sequential;
export const loadModel = api.loadModel;
export const stream = api.stream;
export * from '@rnnkit/core';
