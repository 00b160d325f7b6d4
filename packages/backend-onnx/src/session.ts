// One loaded ONNX graph on onnxruntime-node's public API (`InferenceSession.create` / `run`), both
// asynchronous: the contract lets every kernel return a promise, so the backend no longer reaches
// into the package's native binding, and any onnxruntime-node of the same major line works.
// A run costs one setImmediate hop more than a direct native call; beside a recurrent graph's
// milliseconds that is noise (measured in timing.test.ts).

import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';

export interface SessionOptions {
  readonly executionProviders: readonly string[];
  readonly intraOpNumThreads: number;
  /** ORT session config entries (`extra` in onnxruntime's SessionOptions), e.g. intra-op spinning. */
  readonly extra?: Record<string, string>;
}

export type Feed = Float32Array | Int32Array | BigInt64Array;

export class OrtSession {
  private session: InferenceSession | undefined;

  private constructor(session: InferenceSession) {
    this.session = session;
  }

  static async create(model: Uint8Array, options: SessionOptions): Promise<OrtSession> {
    const session = await InferenceSession.create(model, {
      executionProviders: [...options.executionProviders],
      // 0: ORT's default, one thread per core.
      intraOpNumThreads: options.intraOpNumThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(options.extra ? { extra: options.extra } : {}),
    });
    return new OrtSession(session);
  }

  /** feeds: name → [data, dims]. Returns every output's data (fresh host arrays, owned by the caller). */
  async run(feeds: Record<string, readonly [Feed, readonly number[]]>): Promise<Record<string, Float32Array | Int32Array>> {
    const session = this.session;
    if (!session) throw new Error('onnx backend: session run after close()');
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const [name, [data, dims]] of Object.entries(feeds)) ortFeeds[name] = new OrtTensor(data, dims);
    const results = await session.run(ortFeeds);
    const out: Record<string, Float32Array | Int32Array> = {};
    for (const name of session.outputNames) out[name] = results[name]!.data as Float32Array | Int32Array;
    return out;
  }

  release(): void {
    const s = this.session;
    this.session = undefined;
    // release() only disposes the native session (synchronously, inside a promise); nothing to wait for.
    void s?.release().catch(() => undefined);
  }
}
