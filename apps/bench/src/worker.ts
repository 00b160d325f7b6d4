#!/usr/bin/env node
// Entry of a benchmark child process: receives one WorkerRequest over IPC, streams progress back,
// answers with the result and exits. Each backend runs in a process of its own, so engines, memory
// peaks and crashes never mix.
import type { WorkerMessage, WorkerRequest } from './messages.js';
import { errorText, runBackend } from './run-backend.js';
import { PEER_ID, runPeer } from './peer.js';
import { TORCH_PEER_ID, runTorchPeer } from './torch-peer.js';

function send(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));
}

if (!process.send) {
  console.error('rnnkit-bench worker: start me through the rnnkit-bench CLI (I need an IPC channel).');
  process.exit(2);
}

// The parent went away (Ctrl+C, crash): stop instead of training for nobody.
process.once('disconnect', () => process.exit(1));

process.once('message', (raw) => {
  const req = raw as WorkerRequest;
  const emit = (m: WorkerMessage) => void send(m);
  const job = req.backend === PEER_ID ? runPeer(req.config, emit) : req.backend === TORCH_PEER_ID ? runTorchPeer(req.config, emit) : runBackend(req.backend, req.config, emit);
  job
    .then((run) => send({ type: 'result', run }))
    .catch((err: unknown) =>
      send({ type: 'result', run: { backend: req.backend, kind: 'rnnkit', status: 'failed', reason: errorText(err), epochs: [], lossCurve: [], wallSeconds: 0 } }),
    )
    // Engines (wasm threads, GL contexts) may keep handles open; the result is out, so leave.
    .finally(() => process.exit(0));
});
