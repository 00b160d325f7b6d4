// Execution provider selection. onnxruntime-node ships only the CPU provider unless it was installed with
// ONNXRUNTIME_NODE_INSTALL=cuda12; asking for CUDA without it throws (`Failed to load shared library`)
// instead of falling back, so we probe CUDA once with a tiny session and fall back ourselves.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { env } from 'onnxruntime-node';
import { encodeModel, FLOAT, GraphBuilder } from './onnx-graph.js';
import { OrtSession } from './session.js';

export type ExecutionProviderOption = 'auto' | 'cuda' | 'cpu';

export interface ResolvedProvider {
  readonly kind: 'cuda' | 'cpu';
  /** Providers handed to every session, in priority order. */
  readonly executionProviders: readonly string[];
  /** Why CUDA is not running, when 'auto' fell back. */
  readonly fallbackReason?: string | undefined;
}

export const CUDA_INSTALL_HINT =
  'onnxruntime-node ships only the CPU execution provider by default. To use CUDA, install CUDA 12 and cuDNN 9, ' +
  'then reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 set at install time ' +
  '(e.g. `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`, or reinstall the package), ' +
  "or use executionProvider: 'cpu' / 'auto'.";

/** The onnxruntime-node version that is loaded (no longer pinned exactly, so it is read, not assumed). */
export function onnxRuntimeVersion(): string {
  return env.versions.node ?? env.versions.common;
}

/**
 * Whether onnxruntime-node's CUDA provider library was installed next to its native binding. 'auto' checks
 * this before probing: a probe without it makes ORT print a loud error to stderr on every CPU-only machine.
 */
function cudaProviderInstalled(): boolean {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('onnxruntime-node/package.json'));
  const dir = join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
  const name = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return existsSync(join(dir, name));
}

/** Try to create and run a one-node session on CUDA. Resolves undefined on success, the error message otherwise. */
async function probeCuda(intraOpNumThreads: number): Promise<string | undefined> {
  const g = new GraphBuilder('cuda_probe');
  g.input('a', FLOAT, [1]);
  g.node('Add', ['a', 'a'], ['b']);
  g.output('b', FLOAT, [1]);
  try {
    const s = await OrtSession.create(encodeModel(g.graph()), { executionProviders: ['cuda'], intraOpNumThreads });
    try {
      await s.run({ a: [new Float32Array([1]), [1]] });
    } finally {
      s.release();
    }
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function summarise(message: string): string {
  return /Failed to load shared library|cannot open shared object|not (?:found|supported|available)/i.test(message)
    ? 'CUDA provider not installed'
    : `CUDA provider failed: ${message.split('\n')[0]}`;
}

export async function resolveExecutionProvider(option: ExecutionProviderOption, intraOpNumThreads: number): Promise<ResolvedProvider> {
  if (option === 'cpu') return { kind: 'cpu', executionProviders: ['cpu'] };
  if (option === 'auto' && !cudaProviderInstalled()) {
    return { kind: 'cpu', executionProviders: ['cpu'], fallbackReason: 'CUDA provider not installed' };
  }
  // Without the provider library a probe only makes onnxruntime print a loud error line; say why here.
  if (option === 'cuda' && !cudaProviderInstalled()) {
    throw new Error(`createOnnxBackend: executionProvider 'cuda' is not available (the CUDA provider library is not installed next to onnxruntime-node). ${CUDA_INSTALL_HINT}`);
  }
  // With the library present, 'cuda' really tries, so a failure carries onnxruntime's own message.
  const failure = await probeCuda(intraOpNumThreads);
  if (failure === undefined) return { kind: 'cuda', executionProviders: ['cuda', 'cpu'] };
  if (option === 'cuda') {
    throw new Error(`createOnnxBackend: executionProvider 'cuda' is not available (${failure.split('\n')[0]}). ${CUDA_INSTALL_HINT}`);
  }
  return { kind: 'cpu', executionProviders: ['cpu'], fallbackReason: summarise(failure) };
}
