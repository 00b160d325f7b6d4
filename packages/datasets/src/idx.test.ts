import { describe, expect, it } from 'vitest';
import { encodeIdx, parseIdx } from './idx.js';

describe('parseIdx', () => {
  const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 7);
  const good = encodeIdx([2, 3, 4], pixels);

  it('reads magic, big-endian dims and the payload', () => {
    const a = parseIdx(good);
    expect(a.magic).toBe(0x00000803);
    expect(a.dims).toEqual([2, 3, 4]);
    expect(Array.from(a.data)).toEqual(Array.from(pixels));
    expect(good.length).toBe(4 + 12 + 24);
  });

  it('rejects a truncated payload, naming the source and both sizes', () => {
    expect(() => parseIdx(good.subarray(0, good.length - 1), 'x.idx')).toThrow(
      /x\.idx: IDX size mismatch: header says dims \[2, 3, 4\] → 40 bytes, file has 39 bytes \(truncated\)/,
    );
  });

  it('rejects trailing bytes', () => {
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    expect(() => parseIdx(longer)).toThrow(/trailing data/);
  });

  it('rejects a bad magic number (e.g. a gzip header)', () => {
    const gz = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]);
    expect(() => parseIdx(gz, 'f')).toThrow(/f: bad IDX magic number 0x1f8b0800/);
    const float = good.slice();
    float[2] = 0x0d;
    expect(() => parseIdx(float)).toThrow(/bad IDX magic number 0x00000d03/);
  });

  it('rejects a header cut short', () => {
    expect(() => parseIdx(good.subarray(0, 2))).toThrow(/at least 4 header bytes, got 2/);
    expect(() => parseIdx(good.subarray(0, 10))).toThrow(/truncated IDX header: 3 dimensions need 16 header bytes, got 10/);
  });
});
