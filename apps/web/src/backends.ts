// Every backend the page tries, each through its package's ordinary import (the bundler picks the
// package's `browser` build). A backend whose creation fails is "unsupported", with the error the
// browser produced; a failure after that is a real failure.
import * as js from '@rnnkit/backend-js';
import * as tfjs from '@rnnkit/backend-tfjs';
import * as gpujs from '@rnnkit/backend-gpujs';
import * as onnx from '@rnnkit/backend-onnx';
import type { LayerSpec, Sequential } from '@rnnkit/core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import tfjsWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfjsWasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfjsWasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

// tfjs' wasm engine would otherwise fetch its binaries from next to the script under their
// original names; these are the copies the bundle serves. (onnxruntime-web's bundle finds its
// .wasm with new URL(…, import.meta.url), which Vite rewrites to the emitted asset by itself.)
setWasmPaths({ 'tfjs-backend-wasm.wasm': tfjsWasm, 'tfjs-backend-wasm-simd.wasm': tfjsWasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': tfjsWasmThreaded });

export interface BackendEntry {
  /** Row label, e.g. `tfjs-webgl`. */
  readonly id: string;
  /** Package family, for chart colours shared with the Node report. */
  readonly family: 'js' | 'tfjs' | 'onnx' | 'gpujs';
  readonly build: (layers: readonly LayerSpec[], seed: number) => Promise<Sequential>;
}

export const BACKENDS: readonly BackendEntry[] = [
  { id: 'js', family: 'js', build: (l, seed) => js.sequential(l, { seed }) },
  { id: 'tfjs-webgl', family: 'tfjs', build: (l, seed) => tfjs.sequential(l, { seed, backendOptions: { engine: 'webgl' } }) },
  { id: 'tfjs-wasm', family: 'tfjs', build: (l, seed) => tfjs.sequential(l, { seed, backendOptions: { engine: 'wasm' } }) },
  { id: 'gpujs', family: 'gpujs', build: (l, seed) => gpujs.sequential(l, { seed, backendOptions: { mode: 'webgl' } }) },
  { id: 'onnx', family: 'onnx', build: (l, seed) => onnx.sequential(l, { seed, backendOptions: { executionProvider: 'auto' } }) },
];

export const { layers, adam } = js;
