// Sessions cached per graph key (graph kind, cell, shapes) and reused; released together on close().
// The cache holds promises: two calls that need the same new graph before its session exists share
// one creation instead of racing to build it twice.

import type { GraphProto } from './onnx-graph.js';
import { encodeModel } from './onnx-graph.js';
import { OrtSession, type SessionOptions } from './session.js';

export class SessionCache {
  private readonly sessions = new Map<string, Promise<OrtSession>>();
  private closed = false;

  constructor(private readonly options: SessionOptions) {}

  /** `build` may be asynchronous (generated graphs trace a cell's step first); it runs once per key. */
  get(key: string, build: () => GraphProto | Promise<GraphProto>): Promise<OrtSession> {
    if (this.closed) return Promise.reject(new Error('onnx backend: used after close()'));
    let s = this.sessions.get(key);
    if (!s) {
      const created = Promise.resolve()
        .then(build)
        .then((graph) => OrtSession.create(encodeModel(graph), this.options));
      // A failed creation is not cached: the next call reports its own error.
      created.catch(() => {
        if (this.sessions.get(key) === created) this.sessions.delete(key);
      });
      this.sessions.set(key, created);
      s = created;
    }
    return s;
  }

  /** Run the graph under `key` (built by `build` the first time). */
  async run(key: string, build: () => GraphProto | Promise<GraphProto>, feeds: Parameters<OrtSession['run']>[0]): Promise<Record<string, Float32Array | Int32Array>> {
    const session = await this.get(key, build);
    // close() may have come while the session was being created.
    if (this.closed) throw new Error('onnx backend: used after close()');
    return session.run(feeds);
  }

  private readonly owned = new Set<OrtSession>();

  /** A session outside the cache, for graphs whose weights are baked in (released by `release` or close()). */
  async createOwned(model: Uint8Array): Promise<OrtSession> {
    if (this.closed) throw new Error('onnx backend: used after close()');
    const s = await OrtSession.create(model, this.options);
    if (this.closed) {
      s.release();
      throw new Error('onnx backend: used after close()');
    }
    this.owned.add(s);
    return s;
  }

  release(s: OrtSession): void {
    if (this.owned.delete(s)) s.release();
  }

  /** The cached graphs' keys (tests and diagnostics: which graph a call ran). */
  keys(): string[] {
    return [...this.sessions.keys()];
  }

  get size(): number {
    return this.sessions.size;
  }

  close(): void {
    this.closed = true;
    for (const s of this.sessions.values()) s.then((x) => x.release(), () => undefined);
    this.sessions.clear();
    for (const s of this.owned) s.release();
    this.owned.clear();
  }
}
