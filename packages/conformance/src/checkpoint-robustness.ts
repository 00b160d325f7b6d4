// Checkpoints tried as a hostile user would (issue #18): every flipped header bit, concurrent
// saves to one path, saves during fit, tampered offsets and duplicate keys, sizes the file cannot
// hold, a FIFO, and failures part-way through a load. A checkpoint is either rejected with an
// Error naming the file and the field, or loads exactly what was saved; and a model runs one
// operation at a time (core's model-lock.ts). Nothing here depends on timing: each check holds
// for every interleaving the event loop can choose.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adam, bindBackend, layers, Rng, Sequential, type Backend, type Dataset, type LayerSpec } from '@rnnkit/core';
import { decodeCheckpoint, readCheckpoint, sealCheckpoint, type CheckpointContents } from '@rnnkit/core/internal';
import type { Suite } from './suite.js';
import { suiteTempDir } from './temp-dir.js';

const specs = (): LayerSpec[] => [layers.lstm({ inputSize: 3, hiddenSize: 4, numLayers: 2 }), layers.dense({ units: 2 })];

function dataset(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  return {
    x: { data: Float32Array.from({ length: n * 5 * 3 }, () => rng.uniform(-1, 1)), shape: [n, 5, 3] },
    y: { data: Int32Array.from({ length: n }, (_, i) => i % 2), shape: [n] },
  };
}

const bitsEqual = (a: Float32Array | undefined, b: Float32Array | undefined): boolean => !!a && !!b && a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/** Exactly the same checkpoint: layers, seed, every weight bit, optimizer spec, step and every slot bit. */
export function sameCheckpoint(a: CheckpointContents, b: CheckpointContents): boolean {
  if (JSON.stringify(a.layers) !== JSON.stringify(b.layers) || a.seed !== b.seed || a.weights.size !== b.weights.size) return false;
  for (const [name, w] of a.weights) {
    const v = b.weights.get(name);
    if (!v || w.shape.join() !== v.shape.join() || !bitsEqual(w.data, v.data)) return false;
  }
  if (!a.optimizer || !b.optimizer) return !a.optimizer && !b.optimizer;
  if (JSON.stringify(a.optimizer.spec) !== JSON.stringify(b.optimizer.spec) || a.optimizer.step !== b.optimizer.step || a.optimizer.slots.size !== b.optimizer.slots.size) return false;
  for (const [name, slots] of a.optimizer.slots) {
    const other = b.optimizer.slots.get(name);
    if (!other || other.length !== slots.length || !slots.every((s, i) => bitsEqual(s, other[i]))) return false;
  }
  return true;
}

/** The file with its header (parsed; metadata stays first) edited, then padded and sealed again, so only the edit is wrong. */
function reencoded(bytes: Uint8Array, edit: (header: Record<string, any>) => string | void, body?: (data: Uint8Array) => Uint8Array): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, any>;
  const text = new TextEncoder().encode(edit(header) ?? JSON.stringify(header));
  const data = body ? body(bytes.subarray(8 + n)) : bytes.subarray(8 + n);
  const len = text.length + ((8 - (text.length % 8)) % 8);
  const out = new Uint8Array(8 + len + data.length).fill(0x20, 8, 8 + len);
  new DataView(out.buffer).setBigUint64(0, BigInt(len), true);
  out.set(text, 8);
  out.set(data, 8 + len);
  return sealCheckpoint(out);
}

/** Where the error came from: a plain Error naming the file (and, after the prefix, the field), or anything else. */
function isNamed(e: unknown, source: string): boolean {
  return e instanceof Error && e.constructor === Error && e.message.startsWith(`${source}: not a valid `);
}

function mkfifoAvailable(path: string): boolean {
  return spawnSync('mkfifo', [path], { stdio: 'ignore' }).status === 0;
}

export function describeCheckpointRobustness(s: Suite): void {
  const { caps } = s;
  // loadModel as a backend package exports it, on the backend under test (never closed by it).
  const { loadModel } = bindBackend(async () => {
    throw new Error('checkpoint robustness: loadModel must be given the backend under test');
  });
  const load = (path: string, backend: Backend = s.backend) => loadModel(path, { backend });

  describe('checkpoint robustness', () => {
    const dir = suiteTempDir('rnnkit-robustness-');

    /** A model after three Adam steps (when the backend trains), saved; its file's bytes and contents. */
    async function trained(name: string): Promise<{ path: string; bytes: Uint8Array; saved: CheckpointContents }> {
      const model = Sequential.create(s.backend, specs(), { seed: 1 });
      try {
        if (caps.training) for (let i = 0; i < 3; i++) await model.trainStep(dataset(4, 904), { loss: 'softmaxCrossEntropy', optimizer: adam({ lr: 0.01 }) });
        const path = join(dir(), name);
        await model.save(path);
        return { path, bytes: new Uint8Array(await readFile(path)), saved: await model.toCheckpoint() };
      } finally {
        model.dispose();
      }
    }

    it('header bit-flip sweep: each file with bit 0 of one header byte flipped is rejected with a named reason or loads identically', async () => {
      const { bytes, saved } = await trained('sweep.safetensors');
      const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const source = 'flipped.safetensors';
      const counts = { tried: 0, rejectedNamed: 0, identical: 0, different: 0, rejectedUnnamed: 0, leftAllocated: 0 };
      const examples: string[] = [];
      for (let i = 0; i < headerEnd; i++) {
        counts.tried++;
        const flipped = bytes.slice();
        flipped[i]! ^= 1;
        const live = s.backend.liveTensors();
        let model: Sequential | undefined;
        try {
          model = Sequential.fromCheckpoint(s.backend, decodeCheckpoint(flipped, source));
        } catch (e) {
          if (isNamed(e, source)) counts.rejectedNamed++;
          else (counts.rejectedUnnamed++, examples.push(`byte ${i}: ${(e as Error).constructor.name}: ${(e as Error).message}`));
          if (s.backend.liveTensors() !== live) counts.leftAllocated++;
          continue;
        }
        try {
          if (sameCheckpoint(await model.toCheckpoint(), saved)) counts.identical++;
          else (counts.different++, examples.push(`byte ${i}: loads, but differs`));
        } finally {
          model.dispose();
        }
      }
      expect(counts.tried).toBe(headerEnd);
      expect({ different: counts.different, rejectedUnnamed: counts.rejectedUnnamed, leftAllocated: counts.leftAllocated }, `${JSON.stringify(counts)}\n${examples.slice(0, 5).join('\n')}`).toEqual({ different: 0, rejectedUnnamed: 0, leftAllocated: 0 });
      expect(counts.rejectedNamed + counts.identical).toBe(counts.tried);
    });

    it('concurrent saves to one path (50 trials): every save succeeds and the file is one whole saved state, with no temporary left', async () => {
      const sub = await mkdtemp(join(dir(), 'race-'));
      const path = join(sub, 'race.safetensors');
      const a = Sequential.create(s.backend, specs(), { seed: 11 });
      const b = Sequential.create(s.backend, specs(), { seed: 12 });
      try {
        if (caps.training) await a.trainStep(dataset(4, 905), { loss: 'softmaxCrossEntropy', optimizer: adam({ lr: 0.01 }) });
        // Different sizes (with and without optimizer state): the old shared temporary interleaved them.
        const states = [await a.toCheckpoint(), await a.toCheckpoint(false), await b.toCheckpoint()];
        let corrupt = 0;
        const failures: string[] = [];
        for (let trial = 0; trial < 50; trial++) {
          const results = await Promise.allSettled([a.save(path), a.save(path, { includeOptimizer: false }), b.save(path)]);
          for (const r of results) if (r.status === 'rejected') failures.push(String(r.reason));
          const got = await readCheckpoint(path).catch(() => undefined);
          if (!got || !states.some((st) => sameCheckpoint(got, st))) corrupt++;
        }
        expect({ corrupt, failures: failures.slice(0, 3) }).toEqual({ corrupt: 0, failures: [] });
        expect(await readdir(sub)).toEqual(['race.safetensors']);
      } finally {
        a.dispose();
        b.dispose();
      }
    });

    it.skipIf(!caps.training)('save during fit writes one consistent step: each file equals the model after some whole batch', async () => {
      const model = Sequential.create(s.backend, specs(), { seed: 5 });
      try {
        const seen: CheckpointContents[] = [await model.toCheckpoint()];
        const saves: Promise<void>[] = [];
        const paths: string[] = [];
        const saveNow = () => {
          const path = join(dir(), `during-${paths.length}.safetensors`);
          paths.push(path);
          saves.push(model.save(path));
        };
        const fit = model.fit(dataset(32, 906), {
          loss: 'softmaxCrossEntropy',
          optimizer: adam({ lr: 0.01 }),
          batchSize: 4,
          shuffle: false,
          callbacks: {
            // Not awaited: the save runs while fit goes on (the old code then read the weights of
            // one step and the optimizer state of a later one). Awaited: what the step was.
            onBatchEnd: async () => {
              saveNow();
              seen.push(await model.toCheckpoint());
            },
          },
        });
        saveNow(); // while the first batch is under way
        await fit;
        await Promise.all(saves);
        expect(seen.length).toBe(9);
        for (const path of paths) {
          const got = await readCheckpoint(path);
          expect(seen.some((st) => sameCheckpoint(got, st)), `${path} (optimizer step ${got.optimizer?.step}) equals the model after one whole batch`).toBe(true);
        }
      } finally {
        model.dispose();
      }
    });

    it('one operation at a time: a second fit or a trainStep during fit fails as busy, calls wait their turn in order, setWeights fails while a turn runs, dispose waits', async () => {
      const ds = dataset(16, 907);
      const live = s.backend.liveTensors();
      const model = Sequential.create(s.backend, specs(), { seed: 6 });
      let disposed = false;
      try {
        if (caps.training) {
          const first = model.fit(ds, { loss: 'softmaxCrossEntropy', batchSize: 4 });
          await expect(model.fit(ds, { loss: 'softmaxCrossEntropy', batchSize: 4 })).rejects.toThrow(/^fit: model is busy: fit\(\) is running on this model/);
          await expect(model.trainStep(ds, { loss: 'softmaxCrossEntropy' })).rejects.toThrow(/^trainStep: model is busy: fit\(\) is running on this model/);
          expect(await first).toHaveLength(1);
          // Once it is done, training is allowed again.
          await model.trainStep(ds, { loss: 'softmaxCrossEntropy' });
        }
        const order: string[] = [];
        const weights = await model.getWeights();
        const calls = [
          model.predict(ds.x).then(() => order.push('predict')),
          model.evaluate(ds, { loss: 'softmaxCrossEntropy' }).then(() => order.push('evaluate')),
          model.save(join(dir(), 'turns.safetensors')).then(() => order.push('save')),
          model.forward(ds.x).then(() => order.push('forward')),
        ];
        // predict holds the model now: a synchronous change cannot wait, so it fails.
        expect(() => model.setWeights(weights)).toThrow(/^setWeights: model is busy: predict\(\) is running on this model; await it first/);
        await Promise.all(calls);
        expect(order).toEqual(['predict', 'evaluate', 'save', 'forward']);
        model.setWeights(weights);
        // dispose during a turn: the turn finishes on live tensors, then everything is freed.
        const running = model.predict(ds.x);
        model.dispose();
        disposed = true;
        await expect(running).resolves.toBeDefined();
        await expect(model.predict(ds.x)).rejects.toThrow(/used after dispose/);
        expect(s.backend.liveTensors(), 'everything freed once the turn ended').toBe(live);
      } finally {
        if (!disposed) model.dispose();
      }
    });

    it('tampered offsets and duplicate keys (sealed, so only the checks can catch them) are rejected, naming the file and the tensor', async () => {
      const { path, bytes } = await trained('offsets.safetensors');
      const cases: [string, (h: Record<string, any>) => string | void, RegExp][] = [
        // Two tensors of one shape trading places: the data still tiles, other weights would load.
        ['swapped', (h) => void ([h['0.bias_ih_l0'].data_offsets, h['0.bias_hh_l0'].data_offsets] = [h['0.bias_hh_l0'].data_offsets, h['0.bias_ih_l0'].data_offsets]), /0\.bias_ih_l0: data_offsets: expected \[\d+, …\]/],
        ['overlapping', (h) => void (h['0.bias_hh_l0'].data_offsets = h['0.bias_ih_l0'].data_offsets), /0\.bias_hh_l0: data_offsets/],
        ['duplicate key', (h) => JSON.stringify(h).replace('"0.bias_hh_l0":', `"0.bias_hh_l0":${JSON.stringify(h['0.bias_ih_l0'])},"0.bias_hh_l0":`), /key '0\.bias_hh_l0' appears twice/],
        ['duplicate layer option', (h) => JSON.stringify(h).replace('\\"hiddenSize\\":4', '\\"hiddenSize\\":4,\\"hiddenSize\\":4'), /metadata\.layers: not valid JSON \(key 'hiddenSize' appears twice/],
      ];
      for (const [what, edit, want] of cases) {
        const file = join(dir(), `offsets-${what.replace(/ /g, '-')}.safetensors`);
        await writeFile(file, reencoded(bytes, edit));
        const live = s.backend.liveTensors();
        const e = await load(file).then(() => undefined, (x: unknown) => x);
        expect(isNamed(e, file), `${what}: ${String(e)}`).toBe(true);
        expect((e as Error).message, what).toMatch(want);
        expect(s.backend.liveTensors(), `${what}: nothing left allocated`).toBe(live);
      }
      // Shifted data (4 bytes in front, every offset moved by 4): rejected, not read 4 bytes off.
      const shifted = join(dir(), 'offsets-shifted.safetensors');
      await writeFile(
        shifted,
        reencoded(
          bytes,
          (h) => {
            for (const [k, v] of Object.entries(h)) if (k !== '__metadata__') v.data_offsets = v.data_offsets.map((o: number) => o + 4);
          },
          (d) => {
            const out = new Uint8Array(d.length + 4);
            out.set(d, 4);
            return out;
          },
        ),
      );
      await expect(load(shifted)).rejects.toThrow(/data_offsets begin at 4, expected 0/);
      const untampered = await load(path);
      expect(untampered.parameterShapes().size, 'the untampered file loads').toBeGreaterThan(0);
      untampered.dispose();
    });

    it('sizes the file cannot hold (hiddenSize 8192, inputDim 5e7, numLayers 5e7, a slot index of 5e7) are rejected before anything is allocated', async () => {
      const { bytes } = await trained('sizes.safetensors');
      const withLayers = (edit: (l: any[]) => void) =>
        reencoded(bytes, (h) => {
          const l = JSON.parse(h.__metadata__.layers);
          edit(l);
          h.__metadata__.layers = JSON.stringify(l);
        });
      const cases: [string, Uint8Array, RegExp][] = [
        ['hiddenSize', withLayers((l) => (l[0].hiddenSize = 8192)), /metadata\.layers\[0\]\.hiddenSize: expected at most \d+ \(the parameter values the file holds\), got 8192/],
        ['numLayers', withLayers((l) => (l[0].numLayers = 5e7)), /metadata\.layers\[0\]\.numLayers: expected at most \d+/],
        ['inputDim', withLayers((l) => l.unshift({ type: 'embedding', inputDim: 5e7, outputDim: 3 })), /metadata\.layers\[0\]\.inputDim: expected at most \d+ \(the parameter values the file holds\), got 50000000/],
        [
          // Slots are named by their parameter, never indexed, so a slot count is the array's length.
          'slot index',
          reencoded(bytes, (h) => {
            const o = JSON.parse(h.__metadata__.optimizer_slots ?? '{}');
            o['0.weight_ih_l0'] = [...(o['0.weight_ih_l0'] ?? []), 'AAAA'];
            h.__metadata__.optimizer_slots = JSON.stringify(o);
          }),
          caps.training ? /metadata\.optimizer_slots\.0\.weight_ih_l0: expected 2 slots, got 3/ : /./,
        ],
      ];
      for (const [what, file, want] of cases) {
        if (what === 'slot index' && !caps.training) continue;
        const path = join(dir(), `size-${what}.safetensors`);
        await writeFile(path, file);
        const live = s.backend.liveTensors();
        const before = process.memoryUsage().arrayBuffers;
        const e = await load(path).then(() => undefined, (x: unknown) => x);
        const grew = process.memoryUsage().arrayBuffers - before;
        expect(isNamed(e, path), `${what}: ${String(e)}`).toBe(true);
        expect((e as Error).message, what).toMatch(want);
        expect(grew, `${what}: host memory grew by ${grew} bytes`).toBeLessThan(64 * 2 ** 20);
        expect(s.backend.liveTensors(), what).toBe(live);
      }
    });

    it('a FIFO or a device is rejected before it is read (a FIFO would block the reader forever)', async (ctx) => {
      if (existsSync('/dev/null') && statSync('/dev/null').isCharacterDevice()) await expect(load('/dev/null')).rejects.toThrow(/^\/dev\/null: not a valid rnnkit checkpoint: expected a regular file, got a device/);
      const fifo = join(dir(), 'pipe.safetensors');
      if (!mkfifoAvailable(fifo)) ctx.skip('mkfifo is not available on this platform');
      const reading = load(fifo).then(
        () => new Error('a FIFO loaded'),
        (e: unknown) => e as Error,
      );
      let settled = false;
      void reading.finally(() => (settled = true));
      // A reader that opened the FIFO waits for a writer: become one (a non-blocking open for
      // writing succeeds only while a reader waits), so a regression fails here instead of hanging.
      while (!settled) {
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          // No reader yet (ENXIO): the correct outcome, or the reader has not opened it yet.
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      expect((await reading).message).toMatch(new RegExp(`^${fifo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a valid rnnkit checkpoint: expected a regular file, got a FIFO`));
    });

    it('a load that fails at any upload (weights or optimizer state) leaves liveTensors unchanged', async () => {
      const { path } = await trained('uploads.safetensors');
      const contents = await readCheckpoint(path);
      const uploads = contents.weights.size + [...(contents.optimizer?.slots.values() ?? [])].reduce((n, l) => n + l.length, 0);
      for (let failAt = 1; failAt <= uploads; failAt++) {
        let calls = 0;
        // The backend under test, except that its failAt-th upload fails (as out of memory would).
        const failing = new Proxy(s.backend, {
          get(target, key) {
            const v = Reflect.get(target, key, target) as unknown;
            if (key === 'tensor') {
              return (...args: Parameters<Backend['tensor']>) => {
                if (++calls === failAt) throw new Error(`upload ${failAt} failed`);
                return target.tensor(...args);
              };
            }
            return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
          },
        });
        const live = s.backend.liveTensors();
        await expect(load(path, failing), `upload ${failAt} of ${uploads}`).rejects.toThrow(`upload ${failAt} failed`);
        expect(s.backend.liveTensors(), `after upload ${failAt} of ${uploads} failed`).toBe(live);
      }
      const model = await load(path);
      model.dispose();
    });
  });
}
