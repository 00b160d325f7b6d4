import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { STALE_TEMP_MS } from './atomic-write.js';
import { CHECKPOINT_VERSION, crc32, decodeCheckpoint, encodeCheckpoint, readCheckpoint, sealCheckpoint, writeFileAtomic, type CheckpointContents } from './checkpoint.js';
import { layers } from './layers/specs.js';
import { adam } from './optimizers.js';
import { encodeSafetensors } from './safetensors.js';
import { parseStrictJson } from './strict-json.js';

const dirs: string[] = [];
/** A fresh folder, removed after the tests. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const contents: CheckpointContents = {
  layers: [layers.lstm({ inputSize: 2, hiddenSize: 3 }), layers.dense({ units: 2 })],
  seed: 7,
  weights: new Map([
    ['0.weight_ih_l0', { data: Float32Array.from({ length: 24 }, (_, i) => i / 10), shape: [12, 2] }],
    ['1.bias', { data: Float32Array.from([1.5, -2.25]), shape: [2] }],
  ]),
  optimizer: { spec: adam({ lr: 0.01 }), step: 3, slots: new Map([['1.bias', [Float32Array.from([0.1, 0.2]), Float32Array.from([0.3, 0.4])]]]) },
};

function headerOf(bytes: Uint8Array): { text: string; body: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { text: new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd(), body: bytes.subarray(8 + n) };
}

/** A file with this header text and data, padded and sealed as the encoder does: its only faults are the ones a test put in. */
function assemble(text: string, body: Uint8Array, seal = true): Uint8Array {
  const t = new TextEncoder().encode(text);
  const len = t.length + ((8 - (t.length % 8)) % 8);
  const out = new Uint8Array(8 + len + body.length).fill(0x20, 8, 8 + len);
  new DataView(out.buffer).setBigUint64(0, BigInt(len), true);
  out.set(t, 8);
  out.set(body, 8 + len);
  return seal && text.startsWith('{"__metadata__":{"crc32":"') ? sealCheckpoint(out) : out;
}

/** The checkpoint with its header (as an object, metadata first) edited. */
function edited(edit: (h: Record<string, any>) => void, body?: (b: Uint8Array) => Uint8Array): Uint8Array {
  const { text, body: data } = headerOf(encodeCheckpoint(contents));
  const h = JSON.parse(text) as Record<string, any>;
  edit(h);
  return assemble(JSON.stringify(h), body ? body(data) : data);
}

/** The checkpoint with its header text edited (for what an object cannot hold: duplicate keys). */
function editedText(edit: (text: string) => string): Uint8Array {
  const { text, body } = headerOf(encodeCheckpoint(contents));
  const out = edit(text);
  expect(out, 'the edit applied').not.toBe(text);
  return assemble(out, body);
}

/** The rejection's message, after checking it is a plain Error naming the file. */
function rejection(bytes: Uint8Array): string {
  try {
    decodeCheckpoint(bytes, 'm.safetensors');
  } catch (e) {
    expect((e as Error).constructor, `a plain Error, not ${(e as Error).constructor.name}: ${(e as Error).message}`).toBe(Error);
    expect((e as Error).message).toMatch(/^m\.safetensors: not a valid (rnnkit checkpoint|safetensors file): /);
    return (e as Error).message;
  }
  throw new Error('expected the file to be rejected');
}

describe('checkpoint (safetensors)', () => {
  it('round-trips weights, layers, seed and optimizer state', () => {
    const back = decodeCheckpoint(encodeCheckpoint(contents), 'm.safetensors');
    expect(back.layers).toEqual(contents.layers);
    expect(back.seed).toBe(7);
    expect(back.source).toBe('m.safetensors');
    expect(back.weights.get('0.weight_ih_l0')!.shape).toEqual([12, 2]);
    expect(Array.from(back.weights.get('1.bias')!.data)).toEqual([1.5, -2.25]);
    expect(back.optimizer!.step).toBe(3);
    expect(back.optimizer!.spec).toEqual(contents.optimizer!.spec);
    expect(back.optimizer!.slots.get('1.bias')!.map((a) => Array.from(a))).toEqual([
      [Math.fround(0.1), Math.fround(0.2)],
      [Math.fround(0.3), Math.fround(0.4)],
    ]);
  });

  it('writes the safetensors layout: u64 header length, 8-byte aligned JSON starting with the checksum, F32 data', () => {
    const bytes = encodeCheckpoint(contents);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text).toMatch(/^\{"__metadata__":\{"crc32":"[0-9a-f]{8}","format":"rnnkit-checkpoint","version":"2",/);
    const header = JSON.parse(text);
    expect(header['0.weight_ih_l0']).toEqual({ dtype: 'F32', shape: [12, 2], data_offsets: [0, 96] });
    expect(Object.values(header.__metadata__).every((v) => typeof v === 'string'), 'safetensors metadata is strings only').toBe(true);
    expect(new DataView(bytes.buffer, 8 + n).getFloat32(96, true)).toBe(1.5);
    expect(CHECKPOINT_VERSION).toBe(2);
  });

  it('rejects corrupt, truncated and foreign files with a reason', () => {
    const bytes = encodeCheckpoint(contents);
    const flipped = bytes.slice();
    flipped[flipped.length - 3]! ^= 0xff;
    expect(rejection(flipped)).toMatch(/checksum mismatch/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 40), 'm')).toThrow(/header length \d+ exceeds the file size 40/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 5), 'm')).toThrow(/shorter than the 8-byte header length/);
    // A header byte is covered too: version 1 only checked the data.
    const header = bytes.slice();
    header[60]! ^= 1;
    expect(rejection(header)).toMatch(/checksum mismatch/);
    const foreign = encodeSafetensors([{ name: 'w', data: new Float32Array(2), shape: [2] }], { format: 'pt' });
    expect(rejection(foreign)).toMatch(/metadata\.format: expected 'rnnkit-checkpoint', got "pt"/);
    const bare = encodeSafetensors([{ name: 'w', data: new Float32Array(2), shape: [2] }]);
    expect(rejection(bare)).toMatch(/__metadata__: expected rnnkit's metadata object, got nothing/);
  });

  it('reads version 1 files (checksum of the data only, optimizer slots as tensors) and names unsupported versions', () => {
    // What rnnkit 0.1's encoder wrote: metadata last, a decimal CRC-32 of the data, slots as tensors.
    const v2 = headerOf(encodeCheckpoint(contents));
    const h = JSON.parse(v2.text) as Record<string, any>;
    const { __metadata__: meta, ...tensors } = h;
    const { optimizer_slots: _slots, ...v1meta } = meta;
    const slotBytes = new Uint8Array(new Float32Array([0.1, 0.2, 0.3, 0.4]).buffer);
    const body = new Uint8Array(v2.body.length + slotBytes.length);
    body.set(v2.body);
    body.set(slotBytes, v2.body.length);
    const at = v2.body.length;
    const slotTensors = {
      '__optimizer__.1.bias.0': { dtype: 'F32', shape: [2], data_offsets: [at, at + 8] },
      '__optimizer__.1.bias.1': { dtype: 'F32', shape: [2], data_offsets: [at + 8, at + 16] },
    };
    const v1 = assemble(JSON.stringify({ ...tensors, ...slotTensors, __metadata__: { ...v1meta, version: '1', crc32: String(crc32(body)) } }), body, false);
    const back = decodeCheckpoint(v1, 'old.safetensors');
    expect(back.layers).toEqual(contents.layers);
    expect(back.optimizer!.step).toBe(3);
    expect(Array.from(back.optimizer!.slots.get('1.bias')![1]!)).toEqual([0.30000001192092896, 0.4000000059604645]);
    expect(Array.from(back.weights.get('1.bias')!.data)).toEqual([1.5, -2.25]);
    const broken = v1.slice();
    broken[broken.length - 1]! ^= 1;
    expect(rejection(broken)).toMatch(/data checksum mismatch/);
    expect(rejection(edited((x) => (x.__metadata__.version = '3')))).toMatch(/metadata\.version: expected "1" or "2", got "3": written by a newer rnnkit; upgrade @rnnkit\/core/);
    expect(rejection(edited((x) => (x.__metadata__.version = '0')))).toMatch(/metadata\.version: expected "1" or "2", got "0"$/);
    // Version 2 without the checksum in front is not a version 2 file.
    expect(rejection(assemble(JSON.stringify({ ...tensors, __metadata__: meta }), v2.body, false))).toMatch(/metadata\.crc32: expected the checksum as the header's first field/);
  });

  it('checks every metadata field: unknown, missing, wrong type, out of range', () => {
    const cases: [(h: Record<string, any>) => void, RegExp][] = [
      [(h) => (h.__metadata__.extra = 'x'), /metadata\.extra: unknown field/],
      [(h) => (h.__metadata__.seed = 7), /metadata\.seed: expected a string, got 7/],
      [(h) => (h.__metadata__.seed = '-1'), /metadata\.seed: expected a non-negative integer, got "-1"/],
      [(h) => (h.__metadata__.seed = '07'), /metadata\.seed: expected a non-negative integer, got "07"/],
      [(h) => (h.__metadata__.seed = '1e3'), /metadata\.seed: expected a non-negative integer/],
      [(h) => delete h.__metadata__.seed, /metadata\.seed: expected a non-negative integer, got nothing/],
      [(h) => (h.__metadata__.optimizer_step = '3.5'), /metadata\.optimizer_step: expected a non-negative integer, got "3.5"/],
      [(h) => delete h.__metadata__.optimizer_step, /metadata\.optimizer_step: missing \(metadata\.optimizer is present\)/],
      [(h) => delete h.__metadata__.optimizer, /metadata\.optimizer: missing/],
      [(h) => (h.__metadata__.layers = '[]'), /metadata\.layers: expected a non-empty array of layer specs, got \[\]/],
      [(h) => (h.__metadata__.layers = '[1]'), /metadata\.layers: expected a non-empty array of layer specs/],
      [(h) => (h.__metadata__.layers = '{'), /metadata\.layers: not valid JSON/],
      [(h) => (h.__metadata__.optimizer = '{"type":"adam","lr":0.01}'), /metadata\.optimizer: beta1: expected 0\.9, got nothing/],
      [(h) => (h.__metadata__.optimizer = JSON.stringify({ ...adam(), lr: -1 })), /metadata\.optimizer: adam: lr: expected a finite number >= 0, got -1/],
      [(h) => (h.__metadata__.optimizer = JSON.stringify({ ...adam(), amsgrad: true })), /metadata\.optimizer: unknown field 'amsgrad'/],
      [(h) => (h.__metadata__ = 'x'), /__metadata__: expected rnnkit's metadata object, got "x"/],
    ];
    for (const [edit, want] of cases) expect(rejection(edited(edit))).toMatch(want);
  });

  it('rejects duplicate keys anywhere (JSON.parse would keep the last silently)', () => {
    const cases: [(t: string) => string, RegExp][] = [
      [(t) => t.replace('"1.bias":', '"1.bias":{"dtype":"F32","shape":[2],"data_offsets":[96,104]},"1.bias":'), /header: not valid JSON \(key '1\.bias' appears twice/],
      [(t) => t.replace('"seed":"7"', '"seed":"7","seed":"8"'), /key 'seed' appears twice/],
      [(t) => t.replace('"dtype":"F32"', '"dtype":"F32","dtype":"F32"'), /key 'dtype' appears twice/],
      [(t) => t.replace('\\"hiddenSize\\":3', '\\"hiddenSize\\":3,\\"hiddenSize\\":3'), /metadata\.layers: not valid JSON \(key 'hiddenSize' appears twice/],
      [(t) => t.replace('\\"lr\\":0.01', '\\"lr\\":0.01,\\"lr\\":0.01'), /metadata\.optimizer: not valid JSON \(key 'lr' appears twice/],
      [(t) => t.replace('"seed":"7"', '"seed":"7","__proto__":"x"'), /key '__proto__' is not allowed/],
    ];
    for (const [edit, want] of cases) expect(rejection(editedText(edit))).toMatch(want);
  });

  it('rejects offsets that overlap, leave gaps, run past the data, are shifted or out of header order', () => {
    const cases: [(h: Record<string, any>) => void, RegExp][] = [
      [(h) => (h['1.bias'].data_offsets = [88, 96]), /data_offsets/], // overlaps the weight
      [(h) => (h['1.bias'].data_offsets = [100, 108]), /data_offsets|cover/], // gap, then past the end
      [(h) => (h['1.bias'].data_offsets = [96, 112]), /1\.bias: data_offsets \[96, 112\] hold 16 bytes, shape \[2\] of F32 needs 8/],
      [(h) => (h['1.bias'].shape = [3]), /1\.bias: data_offsets \[96, 104\] hold 8 bytes, shape \[3\] of F32 needs 12/],
      [(h) => (h['1.bias'].shape = [-2, -1]), /1\.bias: shape: expected non-negative integers, got \[-2,-1\]/],
      [(h) => (h['1.bias'].shape = ['2']), /1\.bias: shape: expected non-negative integers/],
      [(h) => (h['1.bias'].dtype = 'F16'), /data_offsets|needs/],
      [(h) => (h['1.bias'].extra = 1), /1\.bias: unknown field 'extra'/],
      [(h) => (h['0.weight_ih_l0'].data_offsets = [8, 104]), /data_offsets/],
    ];
    for (const [edit, want] of cases) expect(rejection(edited(edit))).toMatch(want);
    // Two tensors of one size that trade places in the data: the tiling is intact, the order is not.
    const swapped = { ...contents, weights: new Map([...contents.weights, ['1.weight', { data: Float32Array.from([7, 8]), shape: [2] }]]) };
    const { text, body } = headerOf(encodeCheckpoint(swapped));
    const h = JSON.parse(text);
    [h['1.bias'].data_offsets, h['1.weight'].data_offsets] = [h['1.weight'].data_offsets, h['1.bias'].data_offsets];
    expect(rejection(assemble(JSON.stringify(h), body))).toMatch(/1\.bias: data_offsets: expected \[96, …\] \(rnnkit writes tensors in header order/);
  });

  it('keeps optimizer slots in metadata, so the tensors are exactly the state_dict; checks them: weight, count, size, finite, only with optimizer metadata', () => {
    const { text } = headerOf(encodeCheckpoint(contents));
    const h = JSON.parse(text) as Record<string, any>;
    expect(Object.keys(h).filter((k) => k !== '__metadata__')).toEqual(['0.weight_ih_l0', '1.bias']);
    const slots = (edit: (o: Record<string, any>) => void) =>
      edited((x) => {
        const o = JSON.parse(x.__metadata__.optimizer_slots);
        edit(o);
        x.__metadata__.optimizer_slots = JSON.stringify(o);
      });
    expect(rejection(slots((o) => (o['0.bias'] = o['1.bias'])))).toMatch(/metadata\.optimizer_slots\.0\.bias: optimizer state for '0\.bias', which is not a weight in the file/);
    expect(rejection(slots((o) => o['1.bias'].push(o['1.bias'][0])))).toMatch(/metadata\.optimizer_slots\.1\.bias: expected 2 slots, got 3/);
    expect(rejection(slots((o) => (o['1.bias'][1] = 'AAAA')))).toMatch(/metadata\.optimizer_slots\.1\.bias\[1\]: expected 12 base64 characters \(2 float32 values\), got 4 characters/);
    const nan = btoa(String.fromCharCode(...new Uint8Array(new Float32Array([NaN, 0]).buffer)));
    expect(rejection(slots((o) => (o['1.bias'][0] = nan)))).toMatch(/metadata\.optimizer_slots\.1\.bias\[0\]: expected finite values, got NaN/);
    expect(rejection(edited((x) => delete x.__metadata__.optimizer_slots))).toMatch(/metadata\.optimizer_slots: missing \(metadata\.optimizer is present\)/);
    expect(rejection(edited((x) => (x.__metadata__.optimizer_step = '0')))).toMatch(/metadata\.optimizer_step: expected a positive step/);
    const noOptimizer = edited((x) => {
      delete x.__metadata__.optimizer;
      delete x.__metadata__.optimizer_step;
    });
    expect(rejection(noOptimizer)).toMatch(/metadata\.optimizer_slots: expected only in a version 2 file with metadata\.optimizer/);
    expect(decodeCheckpoint(encodeCheckpoint(contents)).optimizer!.slots.get('1.bias')!.map((a) => Array.from(a))).toEqual([
      [0.10000000149011612, 0.20000000298023224],
      [0.30000001192092896, 0.4000000059604645],
    ]);
  });

  it('bounds every layer size by the values the file holds, before anything is built or allocated', () => {
    const bigger = (from: string, to: string) => editedText((t) => t.replace(from, to));
    expect(rejection(bigger('\\"hiddenSize\\":3', '\\"hiddenSize\\":8192'))).toMatch(/metadata\.layers\[0\]\.hiddenSize: expected at most 26 \(the parameter values the file holds\), got 8192/);
    expect(rejection(bigger('\\"numLayers\\":1', '\\"numLayers\\":50000000'))).toMatch(/metadata\.layers\[0\]\.numLayers: expected at most 26/);
    expect(rejection(bigger('\\"units\\":2', '\\"units\\":1e300'))).toMatch(/metadata\.layers\[1\]\.units: expected at most 26, got 1e\+300|metadata\.layers\[1\]\.units: expected at most 26/);
  });

  it('rejects values a model cannot hold and headers that are not JSON objects', () => {
    const nan = edited(
      () => undefined,
      (b) => {
        const c = b.slice();
        new DataView(c.buffer).setFloat32(4, NaN, true);
        return c;
      },
    );
    expect(rejection(nan)).toMatch(/0\.weight_ih_l0: expected finite values, got NaN at flat index 1/);
    const { body } = headerOf(encodeCheckpoint(contents));
    expect(rejection(assemble('[1, 2]', body, false))).toMatch(/header: expected a JSON object, got an array/);
    expect(rejection(assemble('{"a":' + '['.repeat(100) + ']'.repeat(100) + '}', body, false))).toMatch(/header: not valid JSON \(nesting deeper than 32 levels/);
    const bad = assemble('{"a":"__"}', body, false);
    bad[15] = 0xff;
    expect(rejection(bad)).toMatch(/header: expected UTF-8 JSON/);
  });

  it('writes atomically and leaves no temporary file behind', async () => {
    const dir = tempDir('rnnkit-ckpt-');
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'old contents');
    await writeFileAtomic(path, encodeCheckpoint(contents));
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect((await readCheckpoint(path)).seed).toBe(7);
    expect(readFileSync(path).length).toBeGreaterThan(100);
    await expect(readCheckpoint(join(dir, 'missing.safetensors'))).rejects.toThrow(/cannot read .*missing\.safetensors/);
    await expect(readCheckpoint(dir)).rejects.toThrow(new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a valid rnnkit checkpoint: expected a regular file, got a folder`));
  });

  describe('writeFileAtomic', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('concurrent writes to one path in the same millisecond: the file is one of them, whole; no temporary left', async () => {
      const dir = tempDir('rnnkit-atomic-');
      const path = join(dir, 'race.bin');
      // The old names (pid + Date.now()) collided exactly here.
      vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
      const versions = Array.from({ length: 50 }, (_, i) => new Uint8Array(1000 + 997 * i).fill(i + 1));
      for (let trial = 0; trial < 3; trial++) {
        const results = await Promise.allSettled(versions.map((v) => writeFileAtomic(path, v)));
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        const got = readFileSync(path);
        const which = versions.findIndex((v) => v.length === got.length && got.every((x) => x === v[0]));
        expect(which, `the file (${got.length} bytes) is one whole write`).toBeGreaterThanOrEqual(0);
        expect(readdirSync(dir)).toEqual(['race.bin']);
      }
    });

    it('a failed write removes its temporary and names the path', async () => {
      const dir = tempDir('rnnkit-atomic-');
      // Renaming a file over a non-empty folder fails after the temporary is written.
      const target = join(dir, 'taken');
      mkdirSync(join(target, 'inside'), { recursive: true });
      await expect(writeFileAtomic(target, new Uint8Array(10))).rejects.toThrow(/^cannot write .*taken: /);
      expect(readdirSync(dir)).toEqual(['taken']);
      await expect(writeFileAtomic(join(dir, 'missing', 'x.bin'), new Uint8Array(1))).rejects.toThrow(/^cannot write .*missing.x\.bin: .*ENOENT/);
      expect(readdirSync(dir)).toEqual(['taken']);
    });

    it('removes stale temporaries of the same name (killed writers), keeps recent and unrelated ones', async () => {
      const dir = tempDir('rnnkit-atomic-');
      const path = join(dir, 'model.safetensors');
      const old = (Date.now() - STALE_TEMP_MS - 60_000) / 1000;
      const files = {
        staleNew: 'model.safetensors.tmp-4242-0123456789ab-0',
        staleOld: 'model.safetensors.tmp-4242-lq2x8k1z', // rnnkit 0.1's pid-time names
        recent: 'model.safetensors.tmp-4243-0123456789ab-1',
        otherModel: 'other.safetensors.tmp-4242-0123456789ab-0',
        lookalike: 'model.safetensors.tmp-notours',
      };
      for (const name of Object.values(files)) writeFileSync(join(dir, name), 'partial');
      for (const name of [files.staleNew, files.staleOld, files.otherModel, files.lookalike]) utimesSync(join(dir, name), old, old);
      await writeFileAtomic(path, new Uint8Array(3));
      expect(readdirSync(dir).sort()).toEqual([files.lookalike, files.recent, files.otherModel, 'model.safetensors'].sort());
    });
  });

  it('strict JSON: what JSON.parse reads, minus duplicates, __proto__ and deep nesting', () => {
    for (const text of ['{"a":[1,-2.5e3,true,null,"x\\n\\u00e9"],"b":{}}', ' [ ] ', '"s"', '0']) expect(parseStrictJson(text)).toEqual(JSON.parse(text));
    for (const text of ['{"a":1,}', '[1 2]', '{"a" 1}', '01', '"\u0001"', '{"a":1} x', '']) expect(() => parseStrictJson(text), text).toThrow();
  });

  it('computes the standard CRC-32, also over parts', () => {
    const all = new TextEncoder().encode('123456789');
    expect(crc32(all)).toBe(0xcbf43926);
    expect(crc32(all.subarray(4), crc32(all.subarray(0, 4)))).toBe(0xcbf43926);
  });
});
