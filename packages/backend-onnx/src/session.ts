// Synchronous ONNX Runtime sessions. The Backend interface is synchronous (only `read` is async), and
// onnxruntime-node's public `InferenceSession.run` merely wraps its native binding's synchronous `run` in a
// setImmediate promise, so we call the native binding directly, exactly as onnxruntime-node's own session
// handler does (dist/backend.js), with the same option object the public API passes through.

import { createRequire } from 'node:module';
import { Tensor as OrtTensor } from 'onnxruntime-node';

export { OrtTensor };

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, null>, options: object): Record<string, { data: unknown; dims: readonly number[]; type: string }>;
  dispose(): void;
  readonly inputMetadata: readonly { name: string }[];
  readonly outputMetadata: readonly { name: string }[];
}

interface NativeBinding {
  InferenceSession: new () => NativeSession;
}

let native: { binding: NativeBinding; initOrt: () => void } | undefined;

function loadNative(): { binding: NativeBinding; initOrt: () => void } {
  if (!native) {
    const require = createRequire(import.meta.url);
    native = require('onnxruntime-node/dist/binding.js') as { binding: NativeBinding; initOrt: () => void };
  }
  return native;
}

export interface SessionOptions {
  readonly executionProviders: readonly string[];
  readonly intraOpNumThreads: number;
  /** ORT session config entries (`extra` in onnxruntime's SessionOptions), e.g. intra-op spinning. */
  readonly extra?: Record<string, unknown>;
}

export type Feed = Float32Array | Int32Array | BigInt64Array;

/** One loaded graph. `run` is synchronous. */
export class SyncSession {
  private session: NativeSession | undefined;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  private readonly fetches: Record<string, null>;

  constructor(model: Uint8Array, options: SessionOptions) {
    const { binding, initOrt } = loadNative();
    initOrt();
    const s = new binding.InferenceSession();
    s.loadModel(model.buffer, model.byteOffset, model.byteLength, {
      executionProviders: [...options.executionProviders],
      intraOpNumThreads: options.intraOpNumThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(options.extra ? { extra: options.extra } : {}),
    });
    this.session = s;
    this.inputNames = s.inputMetadata.map((m) => m.name);
    this.outputNames = s.outputMetadata.map((m) => m.name);
    this.fetches = Object.fromEntries(this.outputNames.map((n) => [n, null]));
  }

  /** feeds: name → [data, dims]. Returns every output's data (host arrays owned by the caller). */
  run(feeds: Record<string, readonly [Feed, readonly number[]]>): Record<string, Float32Array | Int32Array> {
    if (!this.session) throw new Error('SyncSession.run: the session was released');
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const [name, [data, dims]] of Object.entries(feeds)) ortFeeds[name] = new OrtTensor(data, dims);
    const results = this.session.run(ortFeeds, this.fetches, {});
    const out: Record<string, Float32Array | Int32Array> = {};
    for (const name of this.outputNames) out[name] = results[name]!.data as Float32Array | Int32Array;
    return out;
  }

  release(): void {
    this.session?.dispose();
    this.session = undefined;
  }
}
