import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32, decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeFileAtomic, type CheckpointContents } from './checkpoint.js';
import { layers } from './layers/specs.js';
import { adam } from './optimizers.js';

const contents: CheckpointContents = {
  layers: [layers.lstm({ inputSize: 2, hiddenSize: 3 }), layers.dense({ units: 2 })],
  seed: 7,
  weights: new Map([
    ['0.weight_ih_l0', { data: Float32Array.from({ length: 24 }, (_, i) => i / 10), shape: [12, 2] }],
    ['1.bias', { data: Float32Array.from([1.5, -2.25]), shape: [2] }],
  ]),
  optimizer: { spec: adam({ lr: 0.01 }), step: 3, slots: new Map([['1.bias', [Float32Array.from([0.1, 0.2]), Float32Array.from([0.3, 0.4])]]]) },
};

describe('checkpoint (safetensors)', () => {
  it('round-trips weights, layers, seed and optimizer state', () => {
    const back = decodeCheckpoint(encodeCheckpoint(contents));
    expect(back.layers).toEqual(contents.layers);
    expect(back.seed).toBe(7);
    expect(back.weights.get('0.weight_ih_l0')!.shape).toEqual([12, 2]);
    expect(Array.from(back.weights.get('1.bias')!.data)).toEqual([1.5, -2.25]);
    expect(back.optimizer!.step).toBe(3);
    expect(back.optimizer!.spec).toEqual(contents.optimizer!.spec);
    expect(back.optimizer!.slots.get('1.bias')!.map((a) => Array.from(a))).toEqual([
      [Math.fround(0.1), Math.fround(0.2)],
      [Math.fround(0.3), Math.fround(0.4)],
    ]);
  });

  it('writes the safetensors layout: u64 header length, 8-byte aligned JSON, F32 data', () => {
    const bytes = encodeCheckpoint(contents);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header['0.weight_ih_l0']).toEqual({ dtype: 'F32', shape: [12, 2], data_offsets: [0, 96] });
    expect(header.__metadata__.format).toBe('rnnkit-checkpoint');
    expect(new DataView(bytes.buffer, 8 + n).getFloat32(96, true)).toBe(1.5);
  });

  it('rejects corrupt, truncated and foreign files with a reason', () => {
    const bytes = encodeCheckpoint(contents);
    const flipped = bytes.slice();
    flipped[flipped.length - 3]! ^= 0xff;
    expect(() => decodeCheckpoint(flipped, 'm.safetensors')).toThrow(/m\.safetensors: .*checksum mismatch/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 40), 'm')).toThrow(/header length \d+ exceeds the file size 40/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 5), 'm')).toThrow(/shorter than the 8-byte header length/);
    const foreign = encodeCheckpoint(contents);
    const n = Number(new DataView(foreign.buffer).getBigUint64(0, true));
    const text = new TextDecoder().decode(foreign.subarray(8, 8 + n)).replace('rnnkit-checkpoint', 'other-checkpoint!');
    foreign.set(new TextEncoder().encode(text), 8);
    expect(() => decodeCheckpoint(foreign, 'm')).toThrow(/metadata\.format is "other-checkpoint!"/);
  });

  it('writes atomically and leaves no temporary file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnnkit-ckpt-'));
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'old contents');
    await writeFileAtomic(path, encodeCheckpoint(contents));
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect((await readCheckpoint(path)).seed).toBe(7);
    expect(readFileSync(path).length).toBeGreaterThan(100);
    await expect(readCheckpoint(join(dir, 'missing.safetensors'))).rejects.toThrow(/cannot read .*missing\.safetensors/);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});
