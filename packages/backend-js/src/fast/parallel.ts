// Recurrent layers split across threads by samples. Samples never interact inside a recurrent
// layer, so each thread runs the ordinary fast kernel on its own block of samples, and only the
// weight gradients need summing. Every [B, ...] array is batch-major, so a block is one
// contiguous range. One round trip per layer call: microseconds of synchronisation against
// milliseconds of work.
//
// The calling thread does its own block and then blocks in Atomics.wait on a shared flag until
// every worker has written its block. Kernels may return promises since specification 2, but the
// caller is busy with its own block meanwhile, and a synchronous wait keeps the fused kernels
// synchronous like the single-thread path. Inputs travel by
// structured clone; outputs come back through a SharedArrayBuffer each worker fills before it
// raises its flag. What a worker's backward needs stays in that worker, keyed by id, until the
// Saved is disposed or garbage-collected.
//
// Results for a given thread count are deterministic. They differ from one thread's in the last
// bits of the weight gradients only, which are summed block by block.

import type { MessagePort, Worker } from 'node:worker_threads';
import { gateCount, type CellSpec } from '@rnnkit/core';
import type {
  RecurrentDims,
  RecurrentGrads,
  RecurrentInputs,
  RecurrentOutputs,
  RecurrentUpstream,
  RecurrentWeights,
} from '../recurrent-types.js';
import { fastRecurrentBackward, fastRecurrentForward, type FastCache } from './recurrent.js';

type F32 = Float32Array;

/** One worker thread and the channel it reports errors on (read synchronously by the caller). */
export interface WorkerLink {
  readonly worker: Worker;
  /** The caller's end of a channel the worker posts its error messages to. */
  readonly errors: MessagePort;
  /** [0]: 0 while a job runs, 1 done, 2 failed (the message waits on `errors`). */
  readonly flag: Int32Array;
}

/** What the workers' messages carry (see recurrent-worker.ts). */
export type WorkerJob =
  | {
      readonly op: 'forward';
      readonly id: number;
      readonly cell: CellSpec;
      readonly d: RecurrentDims;
      readonly w: RecurrentWeights<F32>;
      readonly inp: RecurrentInputs<F32>;
      readonly training: boolean;
      /** y [n·T·H] | hT [n·H] | cT [n·H] */
      readonly out: SharedArrayBuffer;
    }
  | {
      readonly op: 'backward';
      readonly id: number;
      readonly up: RecurrentUpstream<F32>;
      /** dx [n·T·I] | dh0 [n·H] | dc0 [n·H] | dWIh [GH·I] | dWHh [GH·H] | dBIh [GH] | dBHh [GH] */
      readonly out: SharedArrayBuffer;
    }
  | { readonly op: 'free'; readonly id: number };

interface Block {
  /** First sample and number of samples. */
  readonly b0: number;
  readonly n: number;
}

/** What backward needs: the calling thread's own cache and inputs, and the workers' ids. */
export interface ParallelCache {
  readonly parallel: true;
  readonly blocks: readonly Block[];
  readonly own: FastCache;
  readonly ownInputs: RecurrentInputs<F32>;
  /** Worker k holds block k + 1 under id ids[k]. */
  readonly ids: readonly number[];
}

/** Wait for a worker's flag longer than this and the call fails instead of hanging. */
const WAIT_LIMIT_MS = 30 * 60 * 1000;

export class RecurrentThreads {
  private readonly links: readonly WorkerLink[];
  private readonly receive: (port: MessagePort) => { message: unknown } | undefined;
  /** Below this many forward multiply-adds a call stays on the calling thread. */
  private readonly minWork: number;
  private nextId = 1;
  private closed = false;
  // Frees a worker's saved state when its Saved was dropped without disposeSaved.
  private readonly finalizer = new FinalizationRegistry<readonly number[]>((ids) => this.free(ids));

  constructor(links: readonly WorkerLink[], receive: RecurrentThreads['receive'], minWork: number) {
    this.links = links;
    this.receive = receive;
    this.minWork = minWork;
  }

  /** Threads a layer call can use: the workers plus the calling thread. */
  get threads(): number {
    return this.links.length + 1;
  }

  /** Whether a call of these sizes is worth splitting. */
  splits(cell: CellSpec, d: RecurrentDims): boolean {
    const work = d.B * d.T * (d.I + d.H) * gateCount(cell.kind) * d.H;
    return !this.closed && d.B >= 2 && work >= this.minWork;
  }

  // x: [B, T, I]  h0, c0: [B, H]  → y: [B, T, H], hT, cT: [B, H] (and the cache when training)
  forward(
    cell: CellSpec,
    d: RecurrentDims,
    w: RecurrentWeights<F32>,
    inp: RecurrentInputs<F32>,
    training: boolean,
  ): RecurrentOutputs<F32, ParallelCache> {
    const { B, T, I, H } = d;
    const blocks = this.blocks(B);
    const jobs = blocks.slice(1).map((blk, k) => {
      const out = new SharedArrayBuffer(4 * blk.n * (T * H + 2 * H));
      const id = training ? this.nextId++ : 0;
      this.post(k, {
        op: 'forward', id, cell, d: { B: blk.n, T, I, H }, w, training, out,
        inp: {
          x: rows(inp.x, blk, T * I, true),
          h0: rows(inp.h0, blk, H, true),
          c0: rows(inp.c0, blk, H, true),
          lengths: inp.lengths.slice(blk.b0, blk.b0 + blk.n),
          reverse: inp.reverse,
        },
      });
      return { blk, out, id };
    });
    const first = blocks[0]!;
    const ownInputs = blockInputs(inp, first, d);
    const own = this.alongside(jobs.length, () => fastRecurrentForward(cell, { B: first.n, T, I, H }, w, ownInputs, training));
    const y = new Float32Array(B * T * H);
    const hT = new Float32Array(B * H);
    const cT = new Float32Array(B * H);
    y.set(own.y, 0);
    hT.set(own.hT, 0);
    cT.set(own.cT, 0);
    jobs.forEach((job) => {
      const { n, b0 } = job.blk;
      const o = new Float32Array(job.out);
      y.set(o.subarray(0, n * T * H), b0 * T * H);
      hT.set(o.subarray(n * T * H, n * T * H + n * H), b0 * H);
      cT.set(o.subarray(n * T * H + n * H), b0 * H);
    });
    if (!training || !own.cache) return { y, hT, cT, cache: undefined };
    const cache: ParallelCache = { parallel: true, blocks, own: own.cache, ownInputs, ids: jobs.map((j) => j.id) };
    this.finalizer.register(cache, cache.ids, cache);
    return { y, hT, cT, cache };
  }

  // dy: [B, T, H]  dhT, dcT: [B, H]  → dx: [B, T, I], dh0, dc0: [B, H], weight gradients summed over blocks
  backward(
    cell: CellSpec,
    d: RecurrentDims,
    w: RecurrentWeights<F32>,
    cache: ParallelCache,
    up: RecurrentUpstream<F32>,
  ): RecurrentGrads<F32> {
    if (this.closed) throw new Error('backend-js: fused recurrent backward: the worker threads holding this forward pass were stopped (backend closed, or a worker timed out)');
    const { B, T, I, H } = d;
    const GH = gateCount(cell.kind) * H;
    const wSize = GH * I + GH * H + 2 * GH;
    const jobs = cache.blocks.slice(1).map((blk, k) => {
      const out = new SharedArrayBuffer(4 * (blk.n * (T * I + 2 * H) + wSize));
      this.post(k, {
        op: 'backward', id: cache.ids[k]!, out,
        up: {
          dy: up.dy && rows(up.dy, blk, T * H, true),
          dhT: up.dhT && rows(up.dhT, blk, H, true),
          dcT: up.dcT && rows(up.dcT, blk, H, true),
        },
      });
      return { blk, out };
    });
    const first = cache.blocks[0]!;
    const ownUp: RecurrentUpstream<F32> = {
      dy: up.dy && rows(up.dy, first, T * H, false),
      dhT: up.dhT && rows(up.dhT, first, H, false),
      dcT: up.dcT && rows(up.dcT, first, H, false),
    };
    const own = this.alongside(jobs.length, () => fastRecurrentBackward(cell, { B: first.n, T, I, H }, w, cache.ownInputs, cache.own, ownUp));
    const dx = new Float32Array(B * T * I);
    const dh0 = new Float32Array(B * H);
    const dc0 = new Float32Array(B * H);
    dx.set(own.dx, 0);
    dh0.set(own.dh0, 0);
    dc0.set(own.dc0, 0);
    const { dWIh, dWHh, dBIh, dBHh } = own;
    jobs.forEach((job) => {
      const { n, b0 } = job.blk;
      const o = new Float32Array(job.out);
      let at = 0;
      const take = (len: number): F32 => o.subarray(at, (at += len));
      dx.set(take(n * T * I), b0 * T * I);
      dh0.set(take(n * H), b0 * H);
      dc0.set(take(n * H), b0 * H);
      addInto(dWIh, take(GH * I));
      addInto(dWHh, take(GH * H));
      addInto(dBIh, take(GH));
      addInto(dBHh, take(GH));
    });
    return { dx, dh0, dc0, dWIh, dWHh, dBIh, dBHh };
  }

  /** Frees the workers' part of a cache (disposeSaved). */
  release(cache: ParallelCache): void {
    this.finalizer.unregister(cache);
    this.free(cache.ids);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.links) {
      l.errors.close();
      void l.worker.terminate();
    }
  }

  private free(ids: readonly number[]): void {
    if (this.closed) return;
    ids.forEach((id, k) => this.links[k]!.worker.postMessage({ op: 'free', id } satisfies WorkerJob));
  }

  /** B samples in threads near-equal contiguous blocks (fewer when B is smaller). */
  private blocks(B: number): Block[] {
    const P = Math.min(this.threads, B);
    return Array.from({ length: P }, (_, p) => {
      const b0 = Math.floor((p * B) / P);
      return { b0, n: Math.floor(((p + 1) * B) / P) - b0 };
    });
  }

  private post(k: number, job: WorkerJob): void {
    const link = this.links[k]!;
    Atomics.store(link.flag, 0, 0);
    link.worker.postMessage(job);
  }

  /**
   * Runs the calling thread's block, then waits for the first n workers even when something
   * failed, so that no job outlives its call (a late flag would answer the next one).
   */
  private alongside<R>(n: number, own: () => R): R {
    let result: R | undefined;
    let error: unknown;
    let failed = false;
    try {
      result = own();
    } catch (e) {
      [error, failed] = [e, true];
    }
    for (let k = 0; k < n; k++) {
      try {
        this.wait(k);
      } catch (e) {
        if (!failed) [error, failed] = [e, true];
      }
    }
    if (failed) throw error;
    return result as R;
  }

  private wait(k: number): void {
    const link = this.links[k]!;
    const started = Date.now();
    while (Atomics.load(link.flag, 0) === 0) {
      if (Date.now() - started > WAIT_LIMIT_MS) {
        // the worker may still answer later: stop using the pool rather than misread its flag
        this.close();
        throw new Error(`backend-js: worker thread ${k + 1} did not answer within ${WAIT_LIMIT_MS / 60000} minutes; worker threads stopped`);
      }
      Atomics.wait(link.flag, 0, 0, 1000);
    }
    if (Atomics.load(link.flag, 0) === 2) {
      const m = this.receive(link.errors)?.message as { message?: string } | undefined;
      throw new Error(`backend-js: worker thread ${k + 1} failed: ${m?.message ?? 'no message'}`);
    }
  }
}

/** The rows of one block of a batch-major array; a copy when it travels to a worker. */
function rows(a: F32, blk: Block, width: number, copy: boolean): F32 {
  return copy ? a.slice(blk.b0 * width, (blk.b0 + blk.n) * width) : a.subarray(blk.b0 * width, (blk.b0 + blk.n) * width);
}

function blockInputs(inp: RecurrentInputs<F32>, blk: Block, d: RecurrentDims): RecurrentInputs<F32> {
  return {
    x: rows(inp.x, blk, d.T * d.I, false),
    h0: rows(inp.h0, blk, d.H, false),
    c0: rows(inp.c0, blk, d.H, false),
    lengths: inp.lengths.subarray(blk.b0, blk.b0 + blk.n),
    reverse: inp.reverse,
  };
}

function addInto(acc: F32, part: F32): void {
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + part[i]!;
}

/**
 * Starts count − 1 worker threads (the calling thread is the count-th). Node only: the workers run
 * the compiled recurrent-worker.js next to this module.
 */
export async function startRecurrentThreads(count: number, minWork: number): Promise<RecurrentThreads> {
  const wt = await import('node:worker_threads');
  const url = workerUrl();
  const links = await Promise.all(
    Array.from({ length: count - 1 }, async () => {
      const { port1, port2 } = new wt.MessageChannel();
      const flagBuffer = new SharedArrayBuffer(4);
      const worker = new wt.Worker(url, { workerData: { flag: flagBuffer, errors: port2 }, transferList: [port2] });
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`backend-js: worker thread exited with code ${code} while starting`)));
      });
      worker.removeAllListeners();
      // Idle workers must not keep a program alive that forgot to close its backend.
      worker.unref();
      port1.unref();
      return { worker, errors: port1, flag: new Int32Array(flagBuffer) };
    }),
  );
  return new RecurrentThreads(links, wt.receiveMessageOnPort, minWork);
}

/** The worker entry compiled next to this module (dist/fast/recurrent-worker.js). */
export function workerUrl(): URL {
  return new URL('./recurrent-worker.js', import.meta.url);
}
