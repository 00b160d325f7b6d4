// @rnnkit/backend-onnx in a browser (the package's `browser` export condition): the same names as
// index.ts, on onnxruntime-web. The package's `browser` field swaps the two modules that differ,
// session.js and execution-provider.js, for their .browser.js versions (onnxruntime-web instead of
// onnxruntime-node; wasm and WebGPU instead of CUDA and CPU); every graph is the same.
export * from './index.js';
