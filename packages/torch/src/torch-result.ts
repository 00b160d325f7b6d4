// Bringing a PyTorch run back: train.py writes trained.safetensors (the state_dict, rnnkit's
// names) and metrics.json (PyTorch's loss and accuracy); the weights load into the rnnkit model
// strictly, so nothing missing, extra or mis-shaped passes unnoticed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sequential, StateDictReport } from '@rnnkit/core';

export interface TorchMetrics {
  readonly worldSize: number;
  readonly perRankBatch: number;
  readonly globalBatch: number;
  readonly steps: number;
  readonly epochs: readonly { readonly epoch: number; readonly loss: number }[];
  readonly seconds: number;
  readonly samplesPerSecondPerRank: number | null;
  readonly samplesPerSecond: number | null;
  readonly device: string;
  readonly torch: string;
  /** With --check-replicas: after each step, the largest |weight − rank 0's weight| over all ranks. */
  readonly replicaMaxDiff?: readonly number[];
  /** PyTorch's evaluation of the test split, when the export had one. */
  readonly test?: { readonly loss: number; readonly accuracy: number | null; readonly samples: number };
}

/** Loads `<dir>/trained.safetensors` into `model` (strict) and returns it with `<dir>/metrics.json`. */
export async function loadTorchResult(model: Sequential, dir: string): Promise<{ report: StateDictReport; metrics: TorchMetrics }> {
  const report = await model.loadStateDict(join(dir, 'trained.safetensors'), { strict: true });
  const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8')) as TorchMetrics;
  return { report, metrics };
}
