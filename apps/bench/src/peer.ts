// The --peers reference row: TensorFlow.js' own tf.layers (lstm, embedding, dense) trained with
// model.trainOnBatch on the same data, the same batches in the same order, the same initial weights
// (rnnkit's seeded init converted to Keras layout) and the same hyper-parameters (Adam eps 1e-8 as
// PyTorch; sigmoid recurrent activation, not tfjs-layers' default hardSigmoid).
//
// Loading it in Node takes three workarounds, all reported in the row's device string:
// - tfjs-core's Node build registers no gradients and no chained tensor methods (tfjs-layers needs
//   both; the @tensorflow/tfjs union package would register them). We import tfjs-core's own ESM
//   register_all_gradients and register_all_chained_ops through a resolve hook that adds the `.js`
//   extensions Node's ESM loader needs (tfjs-esm-hook.ts). Registries and the Tensor class live on
//   tfjs' global namespace, so the ESM copy of the ops registers into the same engine.
// - The wasm backend has no UnsortedSegmentSum kernel (the gradient of gather, i.e. of embedding),
//   and the cpu backend's needs ~32 GiB per IMDB batch; we register a plain JS kernel for wasm.
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { datasetSize, sgd, type Dataset } from '@rnnkit/core';
import { batchIndices, epochOrder, gatherBatch, gatherRows } from '@rnnkit/core/internal';
import { createReferenceBackend } from './backends.js';
import type { ImdbModel, MnistModel, TaskConfig } from './config.js';
import { loadTaskData } from './data.js';
import { scoreLogits } from './host-metrics.js';
import { MemorySampler } from './memory.js';
import { createModel } from './model.js';
import type { Emit } from './messages.js';
import type { BackendRun, EpochResult, ValidationResult } from './results.js';
import { deadlines, errorText } from './run-backend.js';
import { relativeMaxError, toleranceFor } from './validate.js';

export const PEER_ID = 'peer:tfjs-layers';

/* eslint-disable @typescript-eslint/no-explicit-any -- tfjs is loaded through require (untyped here on purpose: the peer uses a handful of calls). */
type Tf = any;

interface TfjsPeer {
  tf: Tf;
  tfl: Tf;
  version: string;
}

async function loadTfjs(): Promise<TfjsPeer> {
  const require = createRequire(import.meta.url);
  const tf = require('@tensorflow/tfjs-core');
  const tfl = require('@tensorflow/tfjs-layers');
  require('@tensorflow/tfjs-backend-wasm');
  register(new URL('./tfjs-esm-hook.js', import.meta.url));
  const coreDist = new URL('dist/', pathToFileURL(require.resolve('@tensorflow/tfjs-core/package.json')));
  await import(new URL('register_all_gradients.js', coreDist).href);
  await import(new URL('public/chained_ops/register_all_chained_ops.js', coreDist).href);
  await tf.setBackend('wasm');
  await tf.ready();
  registerUnsortedSegmentSum(tf);
  return { tf, tfl, version: tf.version_core as string };
}

/** UnsortedSegmentSum for wasm in plain JS: out[ids[i]] += x[i] (rows), ids outside [0, numSegments) dropped. */
function registerUnsortedSegmentSum(tf: Tf): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }: any) => {
      const { x, segmentIds } = inputs;
      const numSegments = attrs.numSegments as number;
      const values = backend.readSync(x.dataId) as Float32Array;
      const ids = backend.readSync(segmentIds.dataId) as Int32Array;
      const inner = values.length / Math.max(ids.length, 1);
      const out = new Float32Array(numSegments * inner);
      for (let i = 0; i < ids.length; i++) {
        const s = ids[i]!;
        if (s < 0 || s >= numSegments) continue;
        for (let j = 0; j < inner; j++) out[s * inner + j]! += values[i * inner + j]!;
      }
      return backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype, undefined, out);
    },
  });
}

// rnnkit's weights replace the initial ones; skip tfjs' slow orthogonal initialiser.
const NO_INIT = { kernelInitializer: 'zeros', recurrentInitializer: 'zeros' } as const;

/**
 * Why the peer has no row for this configuration, or undefined when it has one: it mirrors the
 * standard LSTM models only (tf.layers has no minGRU, Jordan, … and its ConvLSTM2D is another layout).
 */
export function peerUnsupported(config: TaskConfig): string | undefined {
  const m = config.model;
  if (m.kind === 'movingMnist') return 'the tf.layers peer mirrors the LSTM models only, not the ConvLSTM task';
  if (m.kind === 'mnist' && m.cell !== 'lstm') return `the tf.layers peer mirrors the LSTM models only, not --cell ${m.cell}`;
  return undefined;
}

function peerModel(config: TaskConfig): MnistModel | ImdbModel {
  const why = peerUnsupported(config);
  if (why !== undefined) throw new Error(why);
  return config.model as MnistModel | ImdbModel;
}

/** The same architecture in tf.layers. */
function buildPeerModel(tfl: Tf, config: TaskConfig): Tf {
  const m = peerModel(config);
  const model = tfl.sequential();
  if (m.kind === 'mnist') {
    model.add(tfl.layers.lstm({ units: m.hiddenSize, inputShape: [m.steps, m.inputSize], recurrentActivation: 'sigmoid', ...NO_INIT }));
    model.add(tfl.layers.dense({ units: m.classes }));
  } else {
    model.add(tfl.layers.embedding({ inputDim: m.numWords, outputDim: m.embeddingSize, inputLength: m.maxLen }));
    model.add(tfl.layers.lstm({ units: m.hiddenSize, recurrentActivation: 'sigmoid', ...NO_INIT }));
    model.add(tfl.layers.dense({ units: 1 }));
  }
  return model;
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

/**
 * rnnkit (PyTorch layout, gate order i f g o) → Keras layout (gate order i f c o, the same):
 * LSTM kernel [I, 4H] = W_ihᵀ, recurrent_kernel [H, 4H] = W_hhᵀ, bias = b_ih + b_hh; dense kernel [H, U] = Wᵀ.
 */
export function toKerasWeights(config: TaskConfig, w: ReadonlyMap<string, Float32Array>): { data: Float32Array; shape: number[] }[] {
  const m = peerModel(config);
  const H = m.hiddenSize;
  const lstmIndex = m.kind === 'mnist' ? 0 : 1;
  const I = m.kind === 'mnist' ? m.inputSize : m.embeddingSize;
  const U = m.kind === 'mnist' ? m.classes : 1;
  const get = (name: string) => {
    const v = w.get(name);
    if (!v) throw new Error(`weights: missing ${name}`);
    return v;
  };
  const out: { data: Float32Array; shape: number[] }[] = [];
  if (m.kind === 'imdb') out.push({ data: get('0.weight'), shape: [m.numWords, m.embeddingSize] });
  const bIh = get(`${lstmIndex}.bias_ih_l0`);
  const bHh = get(`${lstmIndex}.bias_hh_l0`);
  out.push(
    { data: transpose(get(`${lstmIndex}.weight_ih_l0`), 4 * H, I), shape: [I, 4 * H] },
    { data: transpose(get(`${lstmIndex}.weight_hh_l0`), 4 * H, H), shape: [H, 4 * H] },
    { data: Float32Array.from(bIh, (v, i) => v + bHh[i]!), shape: [4 * H] },
    { data: transpose(get(`${lstmIndex + 1}.weight`), U, H), shape: [H, U] },
    { data: get(`${lstmIndex + 1}.bias`), shape: [U] },
  );
  return out;
}

/** Keras weight names in the same order as toKerasWeights, with the rnnkit parameter each matches. */
function kerasNames(config: TaskConfig): string[] {
  const k = config.model.kind === 'mnist' ? 0 : 1;
  return [...(k ? ['0.weight'] : []), `${k}.weight_ih_l0`, `${k}.weight_hh_l0`, `${k}.bias_ih_l0`, `${k + 1}.weight`, `${k + 1}.bias`];
}

function tensors(tf: Tf, config: TaskConfig, batch: Dataset): { x: Tf; y: Tf } {
  const x = config.model.kind === 'mnist' ? tf.tensor3d(batch.x.data, batch.x.shape) : tf.tensor2d(batch.x.data, batch.x.shape, 'int32');
  const y =
    config.loss === 'softmaxCrossEntropy'
      ? tf.tidy(() => tf.oneHot(tf.tensor1d(batch.y.data, 'int32'), 10))
      : tf.tensor2d(batch.y.data, [batch.y.shape[0], 1]);
  return { x, y };
}

function lossFn(tf: Tf, config: TaskConfig): (yTrue: Tf, yPred: Tf) => Tf {
  // Mean over the batch, on logits, as rnnkit's losses.
  return config.loss === 'softmaxCrossEntropy'
    ? (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred, undefined, 0, tf.Reduction.MEAN)
    : (yTrue, yPred) => tf.losses.sigmoidCrossEntropy(yTrue, yPred, undefined, 0, tf.Reduction.MEAN);
}

async function readWeights(model: Tf): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (t: Tf) => Float32Array.from(await t.data())));
}

export async function runPeer(config: TaskConfig, emit: Emit): Promise<BackendRun> {
  const started = performance.now();
  const deadline = deadlines(started, config.budgetSeconds);
  const memory = new MemorySampler();
  const base = { backend: PEER_ID, kind: 'peer' as const, epochs: [], lossCurve: [] };
  const finish = (run: Omit<BackendRun, 'wallSeconds' | 'peakRssBytes' | 'maxRssBytes'>): BackendRun => {
    memory.stop();
    return { ...run, peakRssBytes: memory.peakRss, maxRssBytes: memory.maxRss(), wallSeconds: (performance.now() - started) / 1000 };
  };
  const unsupported = peerUnsupported(config);
  if (unsupported !== undefined) return finish({ ...base, status: 'unavailable', reason: unsupported });
  let peer: TfjsPeer;
  try {
    peer = await loadTfjs();
  } catch (err) {
    return finish({ ...base, status: 'unavailable', reason: `TensorFlow.js: ${errorText(err)}` });
  }
  const { tf, tfl } = peer;
  const device =
    `tfjs-layers ${peer.version} on tfjs wasm (${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD'}), gradients and chained ops from tfjs-core's ESM files` +
    (config.model.kind === 'imdb' ? "; UnsortedSegmentSum (embedding gradient) is rnnkit's JS kernel, missing in tfjs wasm" : '');
  const described = { name: 'tf.layers.lstm', device, precision: 'float32' };
  emit({ type: 'note', text: `tf.layers.lstm: ${device}` });

  try {
    emit({ type: 'phase', label: 'load data', total: 1, unit: 'steps' });
    const data = await loadTaskData(config);
    emit({ type: 'tick', done: 1 });
    const n = datasetSize(data.train);

    // rnnkit's seeded initial weights, so the peer starts from the same point as every backend.
    const reference = await createReferenceBackend();
    const init = createModel(reference, config);
    const initial = await init.getWeights();
    const keras = toKerasWeights(config, initial);
    const model = buildPeerModel(tfl, config);
    const setInitial = () => model.setWeights(keras.map((w) => tf.tensor(w.data, w.shape)));
    setInitial();

    // Validation: one SGD step (lr 1024) on the first real batch against the float64 reference.
    emit({ type: 'phase', label: 'validate', total: 1, unit: 'steps' });
    const firstBatch = gatherBatch(data.train, batchIndices(epochOrder(n, config.seed, 0, true), config.batchSize)[0]!);
    const lr = 1024;
    const refLoss = await init.trainStep(firstBatch, { loss: config.loss, optimizer: sgd({ lr }) });
    const refAfter = toKerasWeights(config, await init.getWeights());
    init.dispose();
    reference.close();
    model.compile({ optimizer: tf.train.sgd(lr), loss: lossFn(tf, config) });
    const fb = tensors(tf, config, firstBatch);
    const loss = Number(await model.trainOnBatch(fb.x, fb.y));
    tf.dispose([fb.x, fb.y]);
    const after = await readWeights(model);
    let gradientError = 0;
    let worstParameter = '';
    kerasNames(config).forEach((name, i) => {
      const g = Float64Array.from(keras[i]!.data, (v, j) => (v - after[i]![j]!) / lr);
      // Keras' single LSTM bias is b_ih + b_hh, which the reference step moves by 2·lr·g.
      const scale = name.includes('bias_ih') ? 2 * lr : lr;
      const gRef = Float64Array.from(keras[i]!.data, (v, j) => (v - refAfter[i]!.data[j]!) / scale);
      const e = relativeMaxError(g, gRef);
      if (e > gradientError || worstParameter === '') [gradientError, worstParameter] = [e, name];
    });
    const tolerance = toleranceFor('float32');
    const lossError = Math.abs(loss - refLoss) / Math.abs(refLoss);
    const validation: ValidationResult = {
      passed: lossError <= tolerance && gradientError <= tolerance,
      tolerance,
      referenceLoss: refLoss,
      loss,
      lossError,
      gradientError,
      worstParameter: `${worstParameter} (Keras layout)`,
      batchSize: firstBatch.x.shape[0]!,
    };
    emit({ type: 'tick', done: 1 });
    const verdict = `loss ${loss.toPrecision(7)} vs reference ${refLoss.toPrecision(7)} (rel. error ${lossError.toExponential(1)}), gradients rel. error ${gradientError.toExponential(1)} (worst: ${worstParameter})`;
    emit({ type: 'note', text: `validation ${validation.passed ? 'passed' : 'FAILED'}: ${verdict}` });
    if (!validation.passed) return finish({ ...base, ...described, status: 'failed', reason: `validation against backend-js float64 failed: ${verdict}`, validation });

    // Timed training: Adam with PyTorch's defaults, same batches in the same order.
    setInitial();
    model.compile({ optimizer: tf.train.adam(config.optimizer.lr, 0.9, 0.999, 1e-8), loss: lossFn(tf, config) });
    const epochs: EpochResult[] = [];
    const lossCurve: number[] = [];
    let trainSeconds = 0;
    let inferSamplesPerSec = 0;
    let trainedTotal = 0;
    let cutShort: string | undefined;
    const testN = datasetSize(data.test);
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
        const b = tensors(tf, config, gatherBatch(data.train, idx));
        const l = Number(await model.trainOnBatch(b.x, b.y));
        tf.dispose([b.x, b.y]);
        lossCurve.push(l);
        sum += l * idx.length;
        done += idx.length;
        memory.sample();
        emit({ type: 'tick', done, loss: l });
      }
      const seconds = (performance.now() - t0) / 1000;
      trainSeconds += seconds;
      trainedTotal += done;

      emit({ type: 'phase', label: `test epoch ${epoch + 1}/${config.epochs}`, total: testN, unit: 'samples' });
      const t1 = performance.now();
      const row = config.loss === 'softmaxCrossEntropy' ? 10 : 1;
      const out = new Float32Array(testN * row);
      let m = 0;
      for (const idx of batchIndices(epochOrder(testN, 0, 0, false), config.batchSize)) {
        if (m > 0 && performance.now() > deadline.test) break;
        const b = tensors(tf, config, gatherBatch(data.test, idx));
        const y = model.predictOnBatch(b.x);
        const values = (await y.data()) as Float32Array;
        out.set(values, m * row);
        tf.dispose([b.x, b.y, y]);
        m += idx.length;
        memory.sample();
        emit({ type: 'tick', done: m });
      }
      const evalSeconds = (performance.now() - t1) / 1000;
      if (m < testN) {
        const note = `tested ${m} of ${testN} samples`;
        cutShort = cutShort ? `${cutShort}, ${note}` : `time budget (${config.budgetSeconds} s per backend): ${note}`;
      }
      inferSamplesPerSec = m / evalSeconds;
      const targets = gatherRows(data.test.y, Int32Array.from({ length: m }, (_, i) => i));
      const score = scoreLogits(config.loss, { data: out.subarray(0, m * row), shape: [m, row] }, targets);
      epochs.push({ epoch, trainLoss: sum / done, trainSamples: done, testSamples: m, testLoss: score.loss, testAccuracy: score.accuracy, trainSeconds: seconds, evalSeconds });
      emit({ type: 'note', text: `epoch ${epoch + 1}: train loss ${(sum / done).toFixed(4)}, test loss ${score.loss.toFixed(4)}, test accuracy ${(100 * score.accuracy!).toFixed(2)}%${cutShort ? ` (cut short by the ${config.budgetSeconds} s budget)` : ''}` });
    }
    model.dispose();
    return finish({ ...base, ...described, status: 'ok', validation, trainSamplesPerSec: trainedTotal / trainSeconds, inferSamplesPerSec, epochs, lossCurve, cutShort });
  } catch (err) {
    return finish({ ...base, ...described, status: 'failed', reason: errorText(err) });
  }
}
