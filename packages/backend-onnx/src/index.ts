import { bindBackend } from '@rnnkit/core';
import { createOnnxBackend } from './onnx-backend.js';
export { OnnxBackend, createOnnxBackend, type OnnxBackendOptions } from './onnx-backend.js';
export { CUDA_INSTALL_HINT, type ExecutionProviderOption } from './execution-provider.js';
export { exportOnnx, type OnnxExportSpec, type OnnxExportLayer, type OnnxExportOptions, type OnnxExportWeights } from './export-onnx.js';
export { exportModelOnnx, onnxSpecFromLayers, type ModelExportOptions } from './export-model.js';

// The model API bound to this backend. Every backend package exports the same names, so that
// switching backend is a one-line import change.
const api = bindBackend(createOnnxBackend);
export const sequential = api.sequential;
export const loadModel = api.loadModel;
export const stream = api.stream;
export * from '@rnnkit/core';
