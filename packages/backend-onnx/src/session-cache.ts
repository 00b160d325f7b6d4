// Sessions cached per graph key (graph kind, cell, shapes) and reused; released together on close().

import type { GraphProto } from './onnx-graph.js';
import { encodeModel } from './onnx-graph.js';
import { SyncSession, type SessionOptions } from './session.js';

export class SessionCache {
  private readonly sessions = new Map<string, SyncSession>();
  private closed = false;

  constructor(private readonly options: SessionOptions) {}

  get(key: string, build: () => GraphProto): SyncSession {
    if (this.closed) throw new Error('onnx backend: used after close()');
    let s = this.sessions.get(key);
    if (!s) {
      s = new SyncSession(encodeModel(build()), this.options);
      this.sessions.set(key, s);
    }
    return s;
  }

  get size(): number {
    return this.sessions.size;
  }

  close(): void {
    for (const s of this.sessions.values()) s.release();
    this.sessions.clear();
    this.closed = true;
  }
}
