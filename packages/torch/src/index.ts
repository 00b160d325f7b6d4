// @rnnkit/torch: train an rnnkit model with PyTorch's DistributedDataParallel, and bring it back.
export { exportTorch, type ExportTorchOptions, type ExportData, type ExportTorchResult, type TorchConfig } from './export-torch.js';
export { torchModelSource, EXPORTABLE_CELLS, type ModelLayout } from './model-source.js';
export { loadTorchResult, type TorchMetrics } from './torch-result.js';
export { encodeNpy, decodeNpy } from './npy.js';
export { PYTHON_FILES, pythonDir } from './python-files.js';
