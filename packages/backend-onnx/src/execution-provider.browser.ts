// execution-provider.ts for a browser (swapped in by the package's `browser` field). onnxruntime-web
// has no CUDA; it runs the wasm execution provider (ONNX Runtime compiled to WebAssembly, SIMD) and
// WebGPU where the browser offers an adapter. 'auto' asks the browser for one and, when there is
// none, says why in the backend's `device`; 'cpu' is wasm (onnxruntime-web's own alias).

import { env } from 'onnxruntime-web';

export type ExecutionProviderOption = 'auto' | 'cuda' | 'cpu';

export interface ResolvedProvider {
  readonly kind: 'webgpu' | 'wasm';
  /** Providers handed to every session, in priority order. */
  readonly executionProviders: readonly string[];
  /** Why WebGPU is not running, when 'auto' fell back to wasm. */
  readonly fallbackReason?: string | undefined;
}

export const CUDA_INSTALL_HINT =
  "a browser has no CUDA: onnxruntime-web runs 'auto' (WebGPU where the browser offers an adapter, else wasm) or 'cpu' (wasm)";

/** The onnxruntime-web version that is loaded. */
export function onnxRuntimeVersion(): string {
  return env.versions.web ?? env.versions.common;
}

interface NavigatorLike {
  readonly hardwareConcurrency?: number;
  readonly gpu?: { requestAdapter(): Promise<{ readonly info?: { readonly vendor?: string; readonly architecture?: string } } | null> };
}

// The package builds against Node's types (no DOM lib), so the browser's navigator is typed here.
function navigatorLike(): NavigatorLike | undefined {
  return (globalThis as { navigator?: NavigatorLike }).navigator;
}

/** Why WebGPU cannot run here, in the browser's own terms; undefined when an adapter exists. */
async function webgpuUnavailable(): Promise<string | undefined> {
  const gpu = navigatorLike()?.gpu;
  if (!gpu) return 'WebGPU: navigator.gpu is not defined in this browser';
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? undefined : 'WebGPU: navigator.gpu.requestAdapter() returned no adapter';
  } catch (e) {
    return `WebGPU: requestAdapter() failed: ${(e as Error).message}`;
  }
}

function wasmThreads(): string {
  const n = typeof env.wasm.numThreads === 'number' && env.wasm.numThreads > 0 ? env.wasm.numThreads : 1;
  return `${n} thread${n === 1 ? '' : 's'}`;
}

export async function resolveExecutionProvider(option: ExecutionProviderOption, intraOpNumThreads: number): Promise<ResolvedProvider> {
  if (option === 'cuda') throw new Error(`createOnnxBackend: executionProvider 'cuda': ${CUDA_INSTALL_HINT}`);
  // Threads need a cross-origin isolated page (SharedArrayBuffer); elsewhere onnxruntime-web runs one.
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  env.wasm.numThreads = isolated ? (intraOpNumThreads > 0 ? intraOpNumThreads : Math.min(4, navigatorLike()?.hardwareConcurrency ?? 1)) : 1;
  const threads = `SIMD, ${wasmThreads()}${isolated ? '' : ' (page not cross-origin isolated)'}`;
  if (option === 'cpu') return { kind: 'wasm', executionProviders: ['wasm'] };
  const reason = await webgpuUnavailable();
  if (reason === undefined) return { kind: 'webgpu', executionProviders: ['webgpu', 'wasm'] };
  return { kind: 'wasm', executionProviders: ['wasm'], fallbackReason: `${reason}; wasm ${threads}` };
}
