// A worker thread of RecurrentThreads (parallel.ts): runs the fast recurrent kernels on the block
// of samples it is sent and writes the results into the caller's SharedArrayBuffer. This file is
// an entry point started with `new Worker(url)`, never imported, so its top-level code is the
// worker's main loop.

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { gateCount, type CellSpec } from '@rnnkit/core';
import type { RecurrentDims, RecurrentInputs, RecurrentWeights } from '../recurrent-types.js';
import type { WorkerJob } from './parallel.js';
import { fastRecurrentBackward, fastRecurrentForward, type FastCache } from './recurrent.js';

interface Kept {
  readonly cell: CellSpec;
  readonly d: RecurrentDims;
  readonly w: RecurrentWeights<Float32Array>;
  readonly inp: RecurrentInputs<Float32Array>;
  readonly cache: FastCache;
}

const { flag: flagBuffer, errors } = workerData as { flag: SharedArrayBuffer; errors: MessagePort };
const flag = new Int32Array(flagBuffer);
const kept = new Map<number, Kept>();

function run(job: Exclude<WorkerJob, { op: 'free' }>): void {
  const o = new Float32Array(job.out);
  if (job.op === 'forward') {
    const { cell, d, w, inp, training } = job;
    const r = fastRecurrentForward(cell, d, w, inp, training);
    o.set(r.y, 0);
    o.set(r.hT, r.y.length);
    o.set(r.cT, r.y.length + r.hT.length);
    if (training && r.cache) kept.set(job.id, { cell, d, w, inp, cache: r.cache });
    return;
  }
  const k = kept.get(job.id);
  if (!k) throw new Error(`recurrent backward: no saved forward state with id ${job.id} (freed or never trained)`);
  const g = fastRecurrentBackward(k.cell, k.d, k.w, k.inp, k.cache, job.up);
  const GH = gateCount(k.cell.kind) * k.d.H;
  let at = 0;
  for (const part of [g.dx, g.dh0, g.dc0, g.dWIh, g.dWHh, g.dBIh, g.dBHh]) {
    o.set(part, at);
    at += part.length;
  }
  if (at !== o.length || g.dBIh.length !== GH) throw new Error(`recurrent backward: wrote ${at} of ${o.length} result values`);
}

parentPort!.on('message', (job: WorkerJob) => {
  if (job.op === 'free') {
    kept.delete(job.id);
    return;
  }
  try {
    run(job);
    Atomics.store(flag, 0, 1);
  } catch (e) {
    errors.postMessage({ message: e instanceof Error ? e.message : String(e) });
    Atomics.store(flag, 0, 2);
  }
  Atomics.notify(flag, 0);
});
parentPort!.postMessage('ready');
