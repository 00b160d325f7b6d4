// The factory: which gpu.js engine really runs (a probe kernel, detect.ts), then the backend on it.
import type { Backend } from '@rnnkit/core';
import { detectGpujs, type GpujsMode } from './detect.js';
import { Engine } from './engine.js';
import { GpujsBackend } from './backend.js';

export interface GpujsBackendOptions {
  /**
   * 'auto' (default): gpu.js's best engine (headless-gl in Node, WebGL in a browser), falling
   * back to WebAssembly/CPU kernels when no GL context exists (the backend's `name` says which).
   * 'webgl': WebGL or an error. 'cpu': gpu.js CPU kernels.
   */
  readonly mode?: GpujsMode;
  /** Throw instead of falling back when WebGL does not really run. */
  readonly requireWebGL?: boolean;
}

/**
 * Create the gpu.js backend, after checking with a probe kernel what engine really runs. It
 * returns the unchecked backend, as every backend factory does; the model API checks it.
 */
export async function createGpujsBackend(options: GpujsBackendOptions = {}): Promise<Backend> {
  const mode = options.mode ?? 'auto';
  if (mode !== 'auto' && mode !== 'webgl' && mode !== 'cpu') {
    throw new Error(`gpujs: options.mode must be 'webgl', 'auto' or 'cpu', got ${String(mode)}`);
  }
  const requireWebGL = options.requireWebGL === true || mode === 'webgl';
  if (requireWebGL && mode === 'cpu') throw new Error(`gpujs: requireWebGL contradicts mode 'cpu'`);
  const d = detectGpujs(mode, requireWebGL);
  return new GpujsBackend(new Engine(d.gpu, d.kernelClass, d.kind, requireWebGL), d.device);
}
