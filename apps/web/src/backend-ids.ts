// The rows of the benchmark, in order; the test imports this list without importing the backends.
export const BACKEND_IDS = ['js', 'tfjs-webgl', 'tfjs-wasm', 'gpujs', 'onnx'] as const;
