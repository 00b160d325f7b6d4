// The `--peers torch` reference row: the same model in PyTorch (Debian's python3-torch, always
// /usr/bin/python3: a pyenv python3 first on PATH has no torch), trained from rnnkit's initial
// weights (model.saveStateDict, PyTorch names) on the bench's exact arrays, in the batch order core's
// fit uses (written from here, so Python never re-implements the seeded shuffle), with the same loss
// and Adam settings. python/torch-peer.py does the PyTorch part; this file writes its inputs, picks
// its thread setting on a short warm-up, validates its first-batch gradients against backend-js
// float64 like every other row, relays its progress and scores its test logits with the bench's code.
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { datasetSize, type Dataset, type HostTensor } from '@rnnkit/core';
import { batchIndices, epochOrder, gatherBatch, gatherRows } from '@rnnkit/core/internal';
import { createReferenceBackend } from './backends.js';
import type { TaskConfig } from './config.js';
import { loadTaskData } from './data.js';
import { scoreLogits } from './host-metrics.js';
import type { Emit } from './messages.js';
import { createModel } from './model.js';
import type { BackendRun, EpochResult, ThreadTrial, ValidationResult } from './results.js';
import { deadlines, errorText } from './run-backend.js';
import { relativeMaxError, toleranceFor } from './validate.js';

export const TORCH_PEER_ID = 'peer:torch';
/** Debian's interpreter, where python3-torch lives. */
export const PYTHON = '/usr/bin/python3';
export const TORCH_SCRIPT = fileURLToPath(new URL('../python/torch-peer.py', import.meta.url));
/** Timed training steps per thread setting in the warm-up (after one untimed step). */
const WARMUP_BATCHES = 6;
/** The cells PyTorch has a module for (nn.RNN, nn.LSTM, nn.GRU), as the bench configures them. */
const TORCH_CELLS = new Set(['rnn', 'lstm', 'gru']);

/** torch's version, or why there is no PyTorch row on this machine. */
export function torchAvailability(): { ok: true; version: string } | { ok: false; reason: string } {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { ok: false, reason: `${PYTHON} could not be started (${r.error.message}); install Debian's python3-torch (apt install python3-torch libopenblas0-pthread)` };
  if (r.status !== 0) return { ok: false, reason: `python3-torch is not installed for ${PYTHON} (apt install python3-torch libopenblas0-pthread): ${r.stderr.trim().split('\n').pop() ?? ''}` };
  return { ok: true, version: r.stdout.trim() };
}

/** Why PyTorch has no row for this configuration (a cell without a torch.nn module, the ConvLSTM task), or undefined. */
export function torchUnsupported(config: TaskConfig): string | undefined {
  const m = config.model;
  if (m.kind === 'movingMnist') return 'PyTorch has no ConvLSTM module (torch.nn has none), so the torch peer has no movingMnist row';
  if (m.kind === 'mnist' && !TORCH_CELLS.has(m.cell)) return `PyTorch has no module for the ${m.cell} cell (--cell ${m.cell}); the torch peer mirrors rnn, lstm and gru (nn.RNN, nn.LSTM, nn.GRU)`;
  if (m.kind === 'mnist' && m.cell === 'rnn' && !['tanh', 'relu'].includes(String(m.cellOptions.nonlinearity ?? 'tanh'))) return `nn.RNN has no ${String(m.cellOptions.nonlinearity)} nonlinearity`;
  return undefined;
}

/** What torch-peer.py needs to know about the model (its nn.Sequential-named modules). */
function torchModel(config: TaskConfig): Record<string, unknown> {
  const m = config.model;
  if (m.kind === 'mnist') return { kind: 'mnist', cell: m.cell, inputSize: m.inputSize, hiddenSize: m.hiddenSize, classes: m.classes, nonlinearity: m.cellOptions.nonlinearity ?? 'tanh' };
  if (m.kind === 'imdb') return { kind: 'imdb', cell: 'lstm', numWords: m.numWords, embeddingSize: m.embeddingSize, hiddenSize: m.hiddenSize, classes: 1 };
  throw new Error(torchUnsupported(config));
}

interface ArraySpec {
  file: string;
  dtype: 'f32' | 'i32';
  shape: readonly number[];
}

async function writeArray(dir: string, name: string, t: HostTensor): Promise<ArraySpec> {
  const file = join(dir, `${name}.${t.data instanceof Int32Array ? 'i32' : 'f32'}`);
  // Raw little-endian (x86 and ARM Linux both are): numpy.fromfile reads it as is.
  await writeFile(file, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return { file, dtype: t.data instanceof Int32Array ? 'i32' : 'f32', shape: t.shape };
}

type PyMessage =
  | { type: 'phase'; label: string; total: number; unit: string }
  | { type: 'tick'; done: number; loss?: number }
  | { type: 'note'; text: string }
  | { type: 'warmup'; loss?: number; gradients?: Record<string, { offset: number; shape: number[] }>; trials: { threads: number; samples: number; seconds: number }[] }
  | {
      type: 'result';
      trainSamplesPerSec: number;
      inferSamplesPerSec: number;
      epochs: { epoch: number; trainLoss: number; trainSamples: number; testSamples: number; trainSeconds: number; evalSeconds: number; logits: string }[];
      lossCurve: number[];
      cutShort: string | null;
      maxRssBytes: number;
    };

/** Runs torch-peer.py on a job; relays phase/tick/note lines to `emit`, returns the last line of `type`. */
async function python<T extends PyMessage['type']>(job: object, dir: string, name: string, env: NodeJS.ProcessEnv, emit: Emit, want: T): Promise<Extract<PyMessage, { type: T }>> {
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify(job));
  const child = spawn(PYTHON, [TORCH_SCRIPT, path], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  let found: PyMessage | undefined;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    let m: PyMessage;
    try {
      m = JSON.parse(line) as PyMessage;
    } catch {
      return; // a stray print from a library
    }
    if (m.type === 'phase' || m.type === 'tick' || m.type === 'note') emit(m.type === 'note' ? { type: 'note', text: `torch: ${m.text}` } : m);
    if (m.type === want) found = m;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  if (code !== 0 || !found) throw new Error(`torch-peer.py (${name}) exited with ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-4).join(' | ')}` : ' without a result'}`);
  return found as Extract<PyMessage, { type: T }>;
}

export interface TorchPeerOptions {
  /** Time the four thread settings on a warm-up first (default true); false runs 1 torch thread, OpenBLAS default. */
  readonly tuneThreads?: boolean;
}

export async function runTorchPeer(config: TaskConfig, emit: Emit, options: TorchPeerOptions = {}): Promise<BackendRun> {
  const started = performance.now();
  const deadline = deadlines(started, config.budgetSeconds);
  const base = { backend: TORCH_PEER_ID, kind: 'peer' as const, epochs: [], lossCurve: [] };
  const finish = (run: Omit<BackendRun, 'wallSeconds'>): BackendRun => ({ ...run, wallSeconds: (performance.now() - started) / 1000 });
  const unsupported = torchUnsupported(config);
  if (unsupported !== undefined) return finish({ ...base, status: 'unavailable', reason: unsupported });
  const torch = torchAvailability();
  if (!torch.ok) return finish({ ...base, status: 'unavailable', reason: torch.reason });
  const cores = cpus().length;
  const m = config.model as { cell?: string };
  const module = config.model.kind === 'imdb' ? 'nn.Embedding + nn.LSTM' : `nn.${(m.cell ?? 'lstm').toUpperCase()}`;
  const described = { name: `PyTorch ${module}`, precision: 'float32' };
  const dir = await mkdtemp(join(tmpdir(), 'rnnkit-bench-torch-'));
  try {
    emit({ type: 'phase', label: 'load data', total: 1, unit: 'steps' });
    const data = await loadTaskData(config);
    const n = datasetSize(data.train);
    const files = {
      trainX: await writeArray(dir, 'train-x', data.train.x),
      trainY: await writeArray(dir, 'train-y', data.train.y),
      testX: await writeArray(dir, 'test-x', data.test.x),
      testY: await writeArray(dir, 'test-y', data.test.y),
    };
    // core's fit order, epoch by epoch: [epochs, n] int32.
    const order = new Int32Array(config.epochs * n);
    for (let e = 0; e < config.epochs; e++) order.set(epochOrder(n, config.seed, e, true), e * n);
    const orderFile = await writeArray(dir, 'order', { data: order, shape: [config.epochs, n] });

    // rnnkit's seeded initial weights as a PyTorch state_dict, and the float64 reference's first-batch
    // gradients for the validation.
    const firstIdx = batchIndices(epochOrder(n, config.seed, 0, true), config.batchSize)[0]!;
    const reference = await createReferenceBackend();
    const init = createModel(reference, config);
    const stateDict = join(dir, 'initial.safetensors');
    let ref: { loss: number; grads: Map<string, HostTensor<Float32Array>> };
    try {
      await init.saveStateDict(stateDict);
      ref = await init.gradients(gatherBatch(data.train, firstIdx), { loss: config.loss });
    } finally {
      init.dispose();
      reference.close();
    }
    emit({ type: 'tick', done: 1 });
    const job = { dir, model: torchModel(config), loss: config.loss, lr: config.optimizer.lr, batchSize: config.batchSize, epochs: config.epochs, stateDict, ...files, order: orderFile };

    // Thread setting, as a user would tune it: torch.set_num_threads 1 and all cores, each with
    // OpenBLAS's default threads and OPENBLAS_NUM_THREADS=1 (read when torch loads, so one process
    // per OpenBLAS setting). The first process also returns the first-batch loss and gradients.
    emit({ type: 'phase', label: 'validate + thread warm-up', total: 2, unit: 'steps' });
    const threadTrials = [...new Set([1, cores])];
    const tune = options.tuneThreads ?? true;
    const blasSettings: { label: string; env: NodeJS.ProcessEnv }[] = tune
      ? [{ label: 'OpenBLAS default threads', env: {} }, { label: 'OPENBLAS_NUM_THREADS=1', env: { OPENBLAS_NUM_THREADS: '1' } }]
      : [{ label: 'OpenBLAS default threads', env: {} }];
    const trials: ThreadTrial[] = [];
    let validation: ValidationResult | undefined;
    for (const [i, blas] of blasSettings.entries()) {
      const gradients = i === 0 ? join(dir, 'gradients.f32') : undefined;
      const w = await python({ ...job, mode: 'warmup', threadTrials: tune ? threadTrials : [], warmupBatches: WARMUP_BATCHES, gradients }, dir, `warmup-${i}`, blas.env, emit, 'warmup');
      for (const t of w.trials) {
        trials.push({ setting: `torch.set_num_threads(${t.threads}), ${blas.label}`, threads: t.threads, env: blas.env as Record<string, string>, trainSamplesPerSec: t.samples / t.seconds });
      }
      if (gradients && w.gradients && w.loss !== undefined) validation = await validateTorch(ref, w.loss, w.gradients, gradients, firstIdx.length);
      emit({ type: 'tick', done: i + 1 });
    }
    if (!validation) throw new Error('torch-peer.py returned no first-batch gradients');
    const verdict = `loss ${validation.loss.toPrecision(7)} vs reference ${validation.referenceLoss.toPrecision(7)} (rel. error ${validation.lossError.toExponential(1)}), gradients rel. error ${validation.gradientError.toExponential(1)} (worst: ${validation.worstParameter})`;
    emit({ type: 'note', text: `validation ${validation.passed ? 'passed' : 'FAILED'}: ${verdict}` });
    const best = trials.reduce<ThreadTrial | undefined>((a, t) => (a === undefined || t.trainSamplesPerSec > a.trainSamplesPerSec ? t : a), undefined);
    const chosen = best ?? { setting: 'torch.set_num_threads(1), OpenBLAS default threads', threads: 1, env: {}, trainSamplesPerSec: Number.NaN };
    if (tune) emit({ type: 'note', text: `torch thread warm-up (${WARMUP_BATCHES} batches each): ${trials.map((t) => `${t.setting} ${t.trainSamplesPerSec.toFixed(0)}/s`).join('; ')}; chosen: ${chosen.setting}` });
    const device = `PyTorch ${torch.version} (${PYTHON}, Debian python3-torch) cpu, ${chosen.setting}${tune ? ' (fastest on a warm-up)' : ''}; peak RSS of the python process`;
    const threadTuning = { chosen: chosen.setting, trials: tune ? trials : [], warmupBatches: WARMUP_BATCHES };
    if (!validation.passed) return finish({ ...base, ...described, device, threadTuning, status: 'failed', reason: `validation against backend-js float64 failed: ${verdict}`, validation });

    const remaining = (t: number) => (Number.isFinite(t) ? Math.max(0, (t - performance.now()) / 1000) : null);
    const r = await python({ ...job, mode: 'run', threads: chosen.threads, trainSeconds: remaining(deadline.train), testSeconds: remaining(deadline.test) }, dir, 'run', chosen.env, emit, 'result');

    const epochs: EpochResult[] = [];
    const row = config.loss === 'softmaxCrossEntropy' ? 10 : 1;
    for (const e of r.epochs) {
      const bytes = await readFile(e.logits);
      const logits = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      const targets = gatherRows(data.test.y, Int32Array.from({ length: e.testSamples }, (_, i) => i));
      const score = scoreLogits(config.loss, { data: logits, shape: [e.testSamples, row] }, targets);
      epochs.push({ epoch: e.epoch, trainLoss: e.trainLoss, trainSamples: e.trainSamples, testSamples: e.testSamples, testLoss: score.loss, testAccuracy: score.accuracy, trainSeconds: e.trainSeconds, evalSeconds: e.evalSeconds });
      emit({ type: 'note', text: `epoch ${e.epoch + 1}: train loss ${e.trainLoss.toFixed(4)}, test loss ${score.loss.toFixed(4)}, test accuracy ${(100 * score.accuracy!).toFixed(2)}%` });
    }
    return finish({
      ...base,
      ...described,
      device,
      threadTuning,
      status: 'ok',
      validation,
      trainSamplesPerSec: r.trainSamplesPerSec,
      inferSamplesPerSec: r.inferSamplesPerSec,
      epochs,
      lossCurve: r.lossCurve,
      cutShort: r.cutShort ? `time budget (${config.budgetSeconds} s per backend): ${r.cutShort}` : undefined,
      peakRssBytes: r.maxRssBytes,
    });
  } catch (err) {
    return finish({ ...base, ...described, status: 'failed', reason: errorText(err) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** PyTorch's first-batch loss and gradients against the float64 reference's (same tolerance as a float32 backend). */
async function validateTorch(
  ref: { loss: number; grads: Map<string, HostTensor<Float32Array>> },
  loss: number,
  index: Record<string, { offset: number; shape: number[] }>,
  file: string,
  batchSize: number,
): Promise<ValidationResult> {
  const bytes = await readFile(file);
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let gradientError = 0;
  let worstParameter = '';
  for (const [name, g] of ref.grads) {
    const at = index[name];
    const e = at ? relativeMaxError(all.subarray(at.offset, at.offset + g.data.length), g.data) : Infinity;
    if (e > gradientError || worstParameter === '') [gradientError, worstParameter] = [e, at ? name : `${name} (missing in PyTorch's state_dict)`];
  }
  const tolerance = toleranceFor('float32');
  const lossError = Math.abs(loss - ref.loss) / Math.max(Math.abs(ref.loss), 1e-12);
  return { passed: lossError <= tolerance && gradientError <= tolerance && Number.isFinite(loss), tolerance, referenceLoss: ref.loss, loss, lossError, gradientError, worstParameter, batchSize };
}

/** The first batch a run trains on, for tests: the bench's data and order. */
export async function firstTrainingBatch(config: TaskConfig): Promise<Dataset> {
  const data = await loadTaskData(config);
  return gatherBatch(data.train, batchIndices(epochOrder(datasetSize(data.train), config.seed, 0, true), config.batchSize)[0]!);
}
