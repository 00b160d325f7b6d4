// IDX, the file format of the original MNIST distribution (http://yann.lecun.com/exdb/mnist/):
// a big-endian header — two zero bytes, a type byte, a dimension count byte, then one uint32 per
// dimension — followed by the row-major payload. Only the unsigned-byte type (0x08) that MNIST and
// Fashion-MNIST use is supported.

const IDX_UBYTE = 0x08;

export interface IdxArray {
  /** The magic number as a big-endian uint32, e.g. 0x00000803 for MNIST images. */
  readonly magic: number;
  readonly dims: readonly number[];
  /** A view into the input buffer (no copy). */
  readonly data: Uint8Array;
}

/**
 * Parses an IDX buffer. `what` names the source (a file path) in error messages. Throws when the
 * magic number is not an unsigned-byte IDX one, or when the byte length disagrees with the header.
 */
export function parseIdx(bytes: Uint8Array, what = 'IDX buffer'): IdxArray {
  if (bytes.length < 4) {
    throw new Error(`${what}: expected an IDX file of at least 4 header bytes, got ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2]!;
  const ndim = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || type !== IDX_UBYTE || ndim < 1) {
    throw new Error(
      `${what}: bad IDX magic number 0x${hex32(magic)}: expected 0x000008NN (unsigned bytes, NN >= 1 dimensions); ` +
        'the file is not an uncompressed IDX file (a .gz file must be named *.gz)',
    );
  }
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new Error(`${what}: truncated IDX header: ${ndim} dimensions need ${headerBytes} header bytes, got ${bytes.length}`);
  }
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const payload = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + payload;
  if (bytes.length !== expected) {
    throw new Error(
      `${what}: IDX size mismatch: header says dims [${dims.join(', ')}] → ${expected} bytes, file has ${bytes.length} bytes` +
        (bytes.length < expected ? ' (truncated)' : ' (trailing data)'),
    );
  }
  return { magic, dims, data: bytes.subarray(headerBytes) };
}

/** Builds an unsigned-byte IDX buffer; the inverse of `parseIdx` (used for tests and for writing subsets). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const payload = dims.reduce((a, b) => a * b, 1);
  if (data.length !== payload) {
    throw new Error(`data: expected ${payload} bytes for dims [${dims.join(', ')}], got ${data.length}`);
  }
  const out = new Uint8Array(4 + 4 * dims.length + payload);
  const view = new DataView(out.buffer);
  view.setUint32(0, (IDX_UBYTE << 8) | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

export function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
