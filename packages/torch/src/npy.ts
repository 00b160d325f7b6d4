// NumPy's .npy format (version 1.0), the data files train.py memory-maps with np.load: the magic
// "\x93NUMPY", a header dict padded so the data starts on a 64-byte boundary, then C-order
// little-endian values.
import type { HostTensor } from '@rnnkit/core';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** float32 as '<f4', int32 as '<i4'. */
export function encodeNpy(t: HostTensor): Uint8Array {
  const descr = t.data instanceof Float32Array ? '<f4' : t.data instanceof Int32Array ? '<i4' : undefined;
  if (!descr) throw new Error(`encodeNpy: data: expected a Float32Array or Int32Array, got ${Object.prototype.toString.call(t.data)}`);
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) throw new Error(`encodeNpy: shape [${t.shape.join(', ')}] holds ${count} values, but data has ${t.data.length}`);
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + t.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), 10 + header.length);
  return out;
}

/** Reads '<f4', '<f8' (to float32), '<i4' and '<i8' (to int32) arrays in C order. */
export function decodeNpy(bytes: Uint8Array, source = 'npy'): HostTensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${source}: not a .npy file (bad magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${source}: Fortran-order arrays are not supported`);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`${source}: header without descr or shape: ${header.trim()}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const at = bytes.byteOffset + start + headerLen;
  const raw = bytes.buffer.slice(at, at + bytes.length - start - headerLen);
  switch (descr) {
    case '<f4':
      return { data: new Float32Array(raw, 0, n), shape };
    case '<f8':
      return { data: Float32Array.from(new Float64Array(raw, 0, n)), shape };
    case '<i4':
      return { data: new Int32Array(raw, 0, n), shape };
    case '<i8':
      return { data: Int32Array.from(new BigInt64Array(raw, 0, n), (v) => Number(v)), shape };
    default:
      throw new Error(`${source}: dtype '${descr}': expected '<f4', '<f8', '<i4' or '<i8'`);
  }
}
