import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { grayscalePng, pngDataUri } from './png.js';

/** The chunks of a PNG file: type and data, checking each length. */
function chunks(png: Buffer): { type: string; data: Buffer; crc: number }[] {
  const out: { type: string; data: Buffer; crc: number }[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    out.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length), crc: png.readUInt32BE(at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

describe('grayscalePng', () => {
  it('writes a valid 8-bit grayscale PNG whose pixels read back exactly', () => {
    const pixels = Uint8Array.from({ length: 5 * 3 }, (_, i) => i * 17);
    const png = grayscalePng(pixels, 5, 3);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const c = chunks(png);
    expect(c.map((x) => x.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(c[0]!.data.readUInt32BE(0)).toBe(5);
    expect(c[0]!.data.readUInt32BE(4)).toBe(3);
    expect([...c[0]!.data.subarray(8)]).toEqual([8, 0, 0, 0, 0]);
    // Every PNG's IEND chunk has this CRC (of the bytes "IEND").
    expect(c[2]!.crc).toBe(0xae426082);
    const raw = inflateSync(c[1]!.data);
    expect(raw.length).toBe(3 * 6);
    for (let y = 0; y < 3; y++) {
      expect(raw[y * 6]).toBe(0);
      expect([...raw.subarray(y * 6 + 1, y * 6 + 6)]).toEqual([...pixels.subarray(y * 5, y * 5 + 5)]);
    }
    expect(pngDataUri(png)).toBe(`data:image/png;base64,${png.toString('base64')}`);
  });

  it('rejects sizes that do not match the pixels', () => {
    expect(() => grayscalePng(new Uint8Array(6), 2, 2)).toThrow('grayscalePng: expected 2×2 = 4 pixels, got 6');
    expect(() => grayscalePng(new Uint8Array(0), 0, 2)).toThrow(/positive integer sizes/);
  });
});
