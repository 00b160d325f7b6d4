// session.ts for a browser (swapped in by the package's `browser` field): the same OrtSession on
// onnxruntime-web's InferenceSession. onnxruntime-web takes its thread count from
// `env.wasm.numThreads` (execution-provider.browser.ts), not from per-session options.

import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-web';
import type { Feed, SessionOptions } from './session.js';

export type { Feed, SessionOptions } from './session.js';

export class OrtSession {
  private session: InferenceSession | undefined;

  private constructor(session: InferenceSession) {
    this.session = session;
  }

  static async create(model: Uint8Array, options: SessionOptions): Promise<OrtSession> {
    const session = await InferenceSession.create(model, {
      executionProviders: [...options.executionProviders],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
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
    void s?.release().catch(() => undefined);
  }
}
