export { OnnxBackend, createOnnxBackend, type OnnxBackendOptions } from './onnx-backend.js';
export { CUDA_INSTALL_HINT, type ExecutionProviderOption } from './execution-provider.js';
export { exportOnnx, type OnnxExportSpec, type OnnxExportLayer, type OnnxExportOptions, type OnnxExportWeights } from './export-onnx.js';
