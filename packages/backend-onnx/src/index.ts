// @rnnkit/backend-onnx: the model API bound to the ONNX Runtime backend, its factory and options, and
// ONNX export (what README.md documents). The backend's class, sessions and graphs are internal:
// core reaches them through the Backend contract only.
import { bindBackend } from '@rnnkit/core';
import { createOnnxBackend } from './onnx-backend.js';

export { createOnnxBackend, type OnnxBackendOptions } from './onnx-backend.js';
export { exportOnnx, type OnnxExportSpec, type OnnxExportLayer, type OnnxExportOptions, type OnnxExportWeights } from './export-onnx.js';
export { exportModelOnnx, type ModelExportOptions } from './export-model.js';

// The model API bound to this backend. Every backend package exports the same names, so that
// switching backend is a one-line import change.
const api = bindBackend(createOnnxBackend);
export const sequential = api.sequential;
export const loadModel = api.loadModel;
export const stream = api.stream;
export * from '@rnnkit/core';
