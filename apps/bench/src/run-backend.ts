// One backend on one task, inside its own process: create the backend, load the data, validate
// against the float64 reference, then train (timed), and after every epoch run the test set (timed).
import { adam, datasetSize, type Backend, type HostTensor, type Sequential } from '@rnnkit/core';
import { batchIndices, epochOrder, gatherBatch, gatherRows } from '@rnnkit/core/internal';
import { backendEntry, createBackend, createReferenceBackend } from './backends.js';
import type { TaskConfig } from './config.js';
import { loadTaskData } from './data.js';
import { scoreLogits } from './host-metrics.js';
import { createModel } from './model.js';
import { MemorySampler } from './memory.js';
import type { Emit } from './messages.js';
import { copyLastFrameLoss, EXAMPLE_SEQUENCES, sequenceFrames } from './next-frame.js';
import { plainGraphInference } from './plain-graph.js';
import type { BackendRun, EncodedFrames, EpochResult, PlainGraphRun } from './results.js';
import { validateBackend } from './validate.js';

/** The budget's two deadlines, in performance.now() milliseconds (Infinity without a budget). */
export function deadlines(started: number, budgetSeconds: number | undefined): { train: number; test: number } {
  if (budgetSeconds === undefined) return { train: Infinity, test: Infinity };
  return { train: started + 700 * budgetSeconds, test: started + 1000 * budgetSeconds };
}

export async function runBackend(id: string, config: TaskConfig, emit: Emit): Promise<BackendRun> {
  const started = performance.now();
  const deadline = deadlines(started, config.budgetSeconds);
  const memory = new MemorySampler();
  const entry = backendEntry(id);
  const base = { backend: id, kind: 'rnnkit' as const, epochs: [], lossCurve: [] };
  const finish = (run: Omit<BackendRun, 'wallSeconds' | 'peakRssBytes' | 'maxRssBytes'>): BackendRun => {
    memory.stop();
    return { ...run, peakRssBytes: memory.peakRss, maxRssBytes: memory.maxRss(), wallSeconds: (performance.now() - started) / 1000 };
  };

  let backend: Backend;
  try {
    backend = await createBackend(entry);
  } catch (err) {
    return finish({ ...base, status: 'unavailable', reason: `${entry.packageName}: ${errorText(err)}` });
  }
  const described = { name: backend.name, device: backend.device, precision: backend.precision };
  emit({ type: 'note', text: `${backend.name}: ${backend.device} (${backend.precision})` });

  try {
    emit({ type: 'phase', label: 'load data', total: 1, unit: 'steps' });
    const data = await loadTaskData(config);
    emit({ type: 'tick', done: 1 });
    const n = datasetSize(data.train);
    const testN = datasetSize(data.test);

    // The real first batch of training, checked before anything is timed.
    emit({ type: 'phase', label: 'validate', total: 1, unit: 'steps' });
    const firstBatch = gatherBatch(data.train, batchIndices(epochOrder(n, config.seed, 0, true), config.batchSize)[0]!);
    const reference = await createReferenceBackend();
    const validation = await validateBackend(backend, reference, (b) => createModel(b, config), config.loss, firstBatch).finally(() => reference.close());
    emit({ type: 'tick', done: 1 });
    const verdict = `loss ${validation.loss.toPrecision(7)} vs reference ${validation.referenceLoss.toPrecision(7)} (rel. error ${validation.lossError.toExponential(1)}), gradients rel. error ${validation.gradientError.toExponential(1)} (worst: ${validation.worstParameter}), tolerance ${validation.tolerance.toExponential(0)}`;
    emit({ type: 'note', text: `validation ${validation.passed ? 'passed' : 'FAILED'}: ${verdict}` });
    if (!validation.passed) {
      return finish({ ...base, ...described, status: 'failed', reason: `validation against backend-js float64 failed: ${verdict}`, validation });
    }

    // The training loop is fit()'s (same seeded order per epoch, same batches) written out, so the
    // budget can stop it between batches and the timing covers exactly the training steps.
    const model = createModel(backend, config);
    const optimizer = adam({ lr: config.optimizer.lr });
    const epochs: EpochResult[] = [];
    const lossCurve: number[] = [];
    let trainSeconds = 0;
    let trainedTotal = 0;
    let inferSamplesPerSec = 0;
    let cutShort: string | undefined;
    let predictedExamples: EncodedFrames[] | undefined;
    let lastLogits: HostTensor<Float32Array> | undefined;
    let plainGraph: PlainGraphRun | undefined;
    try {
      for (let epoch = 0; epoch < config.epochs && cutShort === undefined; epoch++) {
        emit({ type: 'phase', label: `train epoch ${epoch + 1}/${config.epochs}`, total: n, unit: 'samples' });
        const t0 = performance.now();
        let done = 0;
        let sum = 0;
        for (const idx of batchIndices(epochOrder(n, config.seed, epoch, true), config.batchSize)) {
          if (done > 0 && performance.now() > deadline.train) {
            cutShort = `time budget (${config.budgetSeconds} s per backend): trained ${trainedTotal + done} of ${n * config.epochs} samples`;
            break;
          }
          const loss = await model.trainStep(gatherBatch(data.train, idx), { loss: config.loss, optimizer });
          lossCurve.push(loss);
          sum += loss * idx.length;
          done += idx.length;
          memory.sample();
          emit({ type: 'tick', done, loss });
        }
        const seconds = (performance.now() - t0) / 1000;
        trainSeconds += seconds;
        trainedTotal += done;

        emit({ type: 'phase', label: `test epoch ${epoch + 1}/${config.epochs}`, total: testN, unit: 'samples' });
        const t1 = performance.now();
        const scored = await predictWithin(model, data.test.x, config.batchSize, deadline.test, (d) => {
          memory.sample();
          emit({ type: 'tick', done: d });
        });
        const evalSeconds = (performance.now() - t1) / 1000;
        const m = scored.output.shape[0]!;
        lastLogits = scored.output;
        if (m < testN) {
          const note = `tested ${m} of ${testN} samples`;
          cutShort = cutShort ? `${cutShort}, ${note}` : `time budget (${config.budgetSeconds} s per backend): ${note}`;
        }
        inferSamplesPerSec = m / evalSeconds;
        const scoredIdx = Int32Array.from({ length: m }, (_, i) => i);
        const targets = gatherRows(data.test.y, scoredIdx);
        const score = scoreLogits(config.loss, scored.output, targets);
        // Next-frame regression: the copy-the-last-frame baseline on exactly the samples scored.
        const baselineLoss = config.model.kind === 'movingMnist' ? copyLastFrameLoss(gatherRows(data.test.x as HostTensor<Float32Array>, scoredIdx), targets) : undefined;
        if (config.model.kind === 'movingMnist') {
          // The first test sequences are always among the scored ones (at least one batch).
          predictedExamples = Array.from({ length: Math.min(EXAMPLE_SEQUENCES, m) }, (_, n) => sequenceFrames(scored.output, n));
        }
        epochs.push({ epoch, trainLoss: sum / done, trainSamples: done, testSamples: m, testLoss: score.loss, testAccuracy: score.accuracy, baselineLoss, trainSeconds: seconds, evalSeconds });
        const quality =
          baselineLoss !== undefined
            ? `test MSE ${score.loss.toPrecision(4)} against ${baselineLoss.toPrecision(4)} for copying the last frame (×${(score.loss / baselineLoss).toFixed(3)})`
            : `test loss ${score.loss.toFixed(4)}, test accuracy ${(100 * score.accuracy!).toFixed(2)}%`;
        emit({
          type: 'note',
          text: `epoch ${epoch + 1}: train loss ${(sum / done).toFixed(4)}, ${quality}${cutShort ? ` (cut short by the ${config.budgetSeconds} s budget)` : ''}`,
        });
      }
      if (id === 'onnx' && lastLogits && config.model.kind !== 'movingMnist') plainGraph = await plainGraphRow(model, backend, data.test.x, lastLogits, config.batchSize, emit, () => memory.sample());
    } finally {
      model.dispose();
    }
    return finish({
      ...base,
      ...described,
      status: 'ok',
      validation,
      trainSamplesPerSec: trainedTotal / trainSeconds,
      inferSamplesPerSec,
      epochs,
      lossCurve,
      cutShort,
      predictedExamples,
      plainGraph,
    });
  } catch (err) {
    return finish({ ...base, ...described, status: 'failed', reason: errorText(err) });
  } finally {
    backend.close();
  }
}

/**
 * The plain exported-graph reference (onnx only): the same test batches in an InferenceSession,
 * alternating with backend-onnx's predict on them, warm, so the ratio compares like with like (the
 * row's own last test pass also builds its inference graphs).
 */
async function plainGraphRow(model: Sequential, backend: Backend, x: HostTensor, logits: HostTensor<Float32Array>, batchSize: number, emit: Emit, sample: () => void): Promise<PlainGraphRun> {
  const samples = logits.shape[0]!;
  emit({ type: 'phase', label: 'plain exported graph', total: 1, unit: 'steps' });
  const subset = gatherRows(x, Int32Array.from({ length: samples }, (_, i) => i));
  const plain = await plainGraphInference({
    model,
    x,
    samples,
    batchSize,
    logits: logits.data,
    provider: backend.name.replace(/^onnx-/, ''),
    predictPass: async () => void (await predictWithin(model, subset, batchSize, Infinity, sample)),
    onBatch: sample,
  });
  emit({ type: 'tick', done: 1 });
  emit({
    type: 'note',
    text:
      plain.status === 'ok'
        ? `plain exported graph: ${plain.inferSamplesPerSec!.toFixed(0)} samples/s, backend-onnx predict ${plain.predictWarmSamplesPerSec!.toFixed(0)} samples/s on the same batches (best of ${plain.rounds} alternating passes; ${plain.device}); max |Δ logits| ${plain.maxAbsDiff!.toExponential(1)}`
        : `plain exported graph: failed: ${plain.reason}`,
  });
  return plain;
}

/** model.predict over `x` batch by batch, stopping at the first batch past `deadline` (at least one). */
async function predictWithin(
  model: Sequential,
  x: HostTensor,
  batchSize: number,
  deadline: number,
  onProgress: (done: number) => void,
): Promise<{ output: HostTensor<Float32Array> }> {
  const N = x.shape[0]!;
  const parts: Float32Array[] = [];
  let rowShape: readonly number[] = [];
  let done = 0;
  for (const idx of batchIndices(epochOrder(N, 0, 0, false), batchSize)) {
    if (done > 0 && performance.now() > deadline) break;
    const out = await model.predict(gatherRows(x, idx), { batchSize });
    parts.push(out.data);
    rowShape = out.shape.slice(1);
    done += idx.length;
    onProgress(done);
  }
  const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.length;
  }
  return { output: { data, shape: [done, ...rowShape] } };
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n').slice(0, 4).join(' ');
  return String(err);
}
