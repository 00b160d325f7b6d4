// Checkpoints in the safetensors format: an 8-byte little-endian header length, a JSON header
// (tensor name → dtype, shape, byte offsets, plus string metadata), then raw little-endian
// float32 data. PyTorch users read it with `safetensors.torch.load_file`, and parameter names
// are the model's state_dict names. rnnkit adds metadata: the layer specs and seed (so a model
// can be rebuilt), optimizer state, and a CRC-32 of the data so corruption is detected.
//
// Encoding and decoding are pure (usable in a browser); `saveCheckpoint`/`readCheckpoint` add
// atomic file IO for Node.
import type { LayerSpec } from './layers/specs.js';
import type { OptimizerSpec } from './optimizers.js';

export const CHECKPOINT_FORMAT = 'rnnkit-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointContents {
  readonly layers: readonly LayerSpec[];
  readonly seed: number;
  /** Parameters by state_dict name. */
  readonly weights: ReadonlyMap<string, { data: Float32Array; shape: readonly number[] }>;
  readonly optimizer?: {
    readonly spec: OptimizerSpec;
    readonly step: number;
    /** Slots per parameter name (Adam: m, v; SGD: velocity; RMSprop: squareAvg, buffer). */
    readonly slots: ReadonlyMap<string, readonly Float32Array[]>;
  } | undefined;
}

const OPT_PREFIX = '__optimizer__.';

export function encodeCheckpoint(c: CheckpointContents): Uint8Array {
  const tensors: { name: string; data: Float32Array; shape: readonly number[] }[] = [];
  for (const [name, w] of c.weights) tensors.push({ name, data: w.data, shape: w.shape });
  if (c.optimizer) {
    for (const [name, slots] of c.optimizer.slots) {
      const shape = c.weights.get(name)?.shape;
      if (!shape) throw new Error(`checkpoint: optimizer state for unknown parameter ${name}`);
      slots.forEach((s, i) => tensors.push({ name: `${OPT_PREFIX}${name}.${i}`, data: s, shape }));
    }
  }
  let offset = 0;
  const header: Record<string, unknown> = {};
  for (const t of tensors) {
    const bytes = t.data.length * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const body = new Uint8Array(offset);
  const view = new DataView(body.buffer);
  let pos = 0;
  for (const t of tensors) for (let i = 0; i < t.data.length; i++, pos += 4) view.setFloat32(pos, t.data[i]!, true);
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    layers: JSON.stringify(c.layers),
    seed: String(c.seed),
    crc32: String(crc32(body)),
  };
  if (c.optimizer) {
    metadata.optimizer = JSON.stringify(c.optimizer.spec);
    metadata.optimizer_step = String(c.optimizer.step);
  }
  header.__metadata__ = metadata;
  // safetensors pads the header with spaces to a multiple of 8 bytes.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(body, 8 + headerBytes.length);
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): CheckpointContents {
  const fail = (why: string): never => {
    throw new Error(`${source}: not a valid rnnkit checkpoint: ${why}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) fail(`header length ${headerLen} exceeds the file size ${bytes.length} (truncated file?)`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  const meta = header.__metadata__ as Record<string, string> | undefined;
  if (!meta || meta.format !== CHECKPOINT_FORMAT) fail(`metadata.format is ${JSON.stringify(meta?.format)}, expected '${CHECKPOINT_FORMAT}'`);
  if (Number(meta!.version) !== CHECKPOINT_VERSION) fail(`version ${meta!.version} is not supported (this rnnkit reads version ${CHECKPOINT_VERSION})`);
  const body = bytes.subarray(8 + headerLen);
  const crc = crc32(body);
  if (String(crc) !== meta!.crc32) fail(`data checksum mismatch (CRC-32 ${crc}, header says ${meta!.crc32}): the file is corrupt or truncated`);
  const bodyView = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const weights = new Map<string, { data: Float32Array; shape: number[] }>();
  const slotArrays = new Map<string, Float32Array[]>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: off } = info as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32') fail(`tensor ${name} has dtype ${dtype}, expected F32`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (off[1] - off[0] !== n * 4 || off[1] > body.length) fail(`tensor ${name} offsets [${off}] do not fit shape [${shape}] in ${body.length} data bytes`);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = bodyView.getFloat32(off[0] + i * 4, true);
    if (name.startsWith(OPT_PREFIX)) {
      const rest = name.slice(OPT_PREFIX.length);
      const dot = rest.lastIndexOf('.');
      const param = rest.slice(0, dot);
      const list = slotArrays.get(param) ?? [];
      list[Number(rest.slice(dot + 1))] = data;
      slotArrays.set(param, list);
    } else {
      weights.set(name, { data, shape });
    }
  }
  let layers: LayerSpec[];
  try {
    layers = JSON.parse(meta!.layers!);
  } catch {
    return fail('metadata.layers is not valid JSON');
  }
  return {
    layers,
    seed: Number(meta!.seed),
    weights,
    optimizer: meta!.optimizer
      ? { spec: JSON.parse(meta!.optimizer) as OptimizerSpec, step: Number(meta!.optimizer_step), slots: slotArrays }
      : undefined,
  };
}

/**
 * Writes atomically: a temporary file in the same folder, flushed to disk, then renamed over
 * the target, so a crash never leaves a half-written checkpoint under the real name.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const { open, rename, rm } = await import('node:fs/promises');
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
}

export async function readCheckpoint(path: string): Promise<CheckpointContents> {
  const { readFile } = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`checkpoint: cannot read ${path}: ${(e as Error).message}`);
  }
  return decodeCheckpoint(bytes, path);
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE), to detect corrupt or truncated data. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
