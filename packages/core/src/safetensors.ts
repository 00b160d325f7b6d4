// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON
// header `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { string: string } }`
// padded with spaces, then the raw little-endian data. Pure (no Node APIs), so a browser can use it.
// Reading is strict: every field is checked before anything the header claims is allocated, and
// every rejection names the source and the field.

/** Float dtypes rnnkit reads; all arrive as float32 (PyTorch state_dicts are F32, F64, F16 or BF16). */
export type SafetensorsDtype = 'F32' | 'F64' | 'F16' | 'BF16';

const BYTES: Readonly<Record<SafetensorsDtype, number>> = { F32: 4, F64: 8, F16: 2, BF16: 2 };

export interface SafetensorsTensor {
  /** The dtype stored in the file (the data is converted to float32). */
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface SafetensorsFile {
  /** In file order. */
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The safetensors library refuses headers above 100 MB; so do we, before parsing one. */
const MAX_HEADER = 100_000_000;

/** Encodes float32 tensors (in the given order) with string metadata. */
export function encodeSafetensors(tensors: readonly { name: string; data: Float32Array; shape: readonly number[] }[], metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    if (Object.hasOwn(header, t.name) || t.name === '__metadata__') throw new Error(`safetensors: tensor name '${t.name}' is used twice or reserved`);
    const bytes = t.data.length * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors) for (let i = 0; i < t.data.length; i++, pos += 4) view.setFloat32(pos, t.data[i]!, true);
  return out;
}

/** Keys of the header's top-level object in order, failing on a duplicate (JSON.parse keeps the last silently). */
function topLevelKeys(json: string, fail: (why: string) => never): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (json[k] === ' ' || json[k] === '\n' || json[k] === '\t' || json[k] === '\r') k++;
        if (json[k] === ':') keys.push(JSON.parse(json.slice(i, j + 1)) as string);
      }
      i = j;
    } else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
  }
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) fail(`header: key '${k}' appears twice`);
    seen.add(k);
  }
  return keys;
}

function f16(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Decodes and checks a safetensors file; `source` (a path) prefixes every error. */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  const fail = (why: string): never => {
    throw new Error(`${source}: not a valid safetensors file: ${why}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = dv.getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) fail(`header length ${headerLen} exceeds ${bytes.length - 8 < MAX_HEADER ? `the file's ${bytes.length - 8} bytes after it (truncated file?)` : `the ${MAX_HEADER}-byte limit`}`);
  const json = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + Number(headerLen)));
  let header: unknown;
  try {
    header = JSON.parse(json);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('header: expected a JSON object');
  const keys = topLevelKeys(json, fail);
  const h = header as Record<string, unknown>;
  const dataStart = 8 + Number(headerLen);
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const raw = h.__metadata__;
  if (raw !== undefined) {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('__metadata__: expected an object of strings');
    for (const [k, v] of Object.entries(raw as object)) {
      if (typeof v !== 'string') fail(`__metadata__.${k}: expected a string, got ${typeof v}`);
      metadata[k] = v as string;
    }
  }
  // Offsets must tile the data exactly, in file order: no gaps, no overlaps, nothing past the end.
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const name of keys) {
    if (name === '__metadata__') continue;
    const info = h[name] as Record<string, unknown> | null;
    if (!info || typeof info !== 'object') fail(`${name}: expected { dtype, shape, data_offsets }`);
    for (const k of Object.keys(info!)) if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') fail(`${name}: unknown field '${k}'`);
    const { dtype, shape, data_offsets: off } = info as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype)) fail(`${name}: dtype: expected F32, F64, F16 or BF16, got ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`${name}: shape: expected non-negative integers, got ${JSON.stringify(shape)}`);
    if (!Array.isArray(off) || off.length !== 2 || off.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`${name}: data_offsets: expected [begin, end], got ${JSON.stringify(off)}`);
    const [begin, end] = off as [number, number];
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== n * BYTES[dtype as SafetensorsDtype]) fail(`${name}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, shape [${shape}] of ${dtype} needs ${n * BYTES[dtype as SafetensorsDtype]}`);
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at) fail(`${e.name}: data_offsets begin at ${e.begin}, expected ${at} (tensors must tile the data without gaps or overlaps)`);
    at = e.end;
  }
  if (at !== dataLen) fail(`the tensors cover ${at} data bytes, the file has ${dataLen}`);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const n = (e.end - e.begin) / BYTES[e.dtype];
    const data = new Float32Array(n);
    const base = dataStart + e.begin;
    switch (e.dtype) {
      case 'F32':
        for (let i = 0; i < n; i++) data[i] = dv.getFloat32(base + 4 * i, true);
        break;
      case 'F64':
        for (let i = 0; i < n; i++) data[i] = dv.getFloat64(base + 8 * i, true);
        break;
      case 'F16':
        for (let i = 0; i < n; i++) data[i] = f16(dv.getUint16(base + 2 * i, true));
        break;
      case 'BF16':
        // bfloat16 is the top half of a float32.
        for (let i = 0; i < n; i++) data[i] = new Float32Array(new Uint32Array([dv.getUint16(base + 2 * i, true) << 16]).buffer)[0]!;
        break;
    }
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}
