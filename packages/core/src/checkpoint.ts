// Checkpoints in the safetensors format: an 8-byte little-endian header length, a JSON header
// (tensor name → dtype, shape, byte offsets, plus string metadata), then raw little-endian
// float32 data. PyTorch users read it with `safetensors.torch.load_file`, and parameter names
// are the model's state_dict names. rnnkit adds metadata: the layer specs and seed (so a model
// can be rebuilt), optimizer state, and a CRC-32 so that corruption is detected.
//
// Version 2 (this rnnkit writes it): the header starts `{"__metadata__":{"crc32":"xxxxxxxx",`,
// and the CRC-32 (8 hex digits) covers the whole file with those 8 digits read as '0': the
// header length, every header byte and the data. Version 1 files (a decimal CRC of the data
// alone) are still read, with every header field checked as strictly as version 2's, but a
// damaged version 1 header is only caught where it breaks a rule; save again to upgrade.
//
// A checkpoint cannot be silently wrong: every field is checked (types, ranges, unknown or
// duplicate keys, offsets that tile the data in header order, optimizer slots, layer sizes
// against what the file can hold) before anything the header claims is allocated, and every
// rejection is an Error `<file>: not a valid rnnkit checkpoint: <field>: expected …, got …`.
//
// Encoding and decoding are pure (usable in a browser); `readCheckpoint` and `writeFileAtomic`
// add file IO for Node.
import type { LayerSpec } from './layers/specs.js';
import { checkOptimizerSpec, type OptimizerSpec } from './optimizers.js';
import { decodeSafetensors } from './safetensors.js';
import { assertNodeFs } from './node-only.js';
import { parseStrictJson } from './strict-json.js';

export { writeFileAtomic } from './atomic-write.js';

export const CHECKPOINT_FORMAT = 'rnnkit-checkpoint';
/** The version written; versions 1 and 2 are read. */
export const CHECKPOINT_VERSION = 2;

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
  /** Where the contents were read from (the file's path), for errors about them. */
  readonly source?: string | undefined;
}

const OPT_PREFIX = '__optimizer__.';

/**
 * Slots per parameter in a checkpoint: `Optimizer.apply` keeps two for every type (SGD and
 * RMSprop without momentum leave one at zero), so a file's slot index is 0 or 1.
 */
export const OPTIMIZER_SLOTS = 2;

/** Version 2 headers start with this, so the checksum's digits sit at a fixed place. */
const SEAL_PREFIX = '{"__metadata__":{"crc32":"';
const SEAL_AT = 8 + SEAL_PREFIX.length;
const ZERO_DIGITS = new TextEncoder().encode('00000000');
const METADATA_KEYS = ['crc32', 'format', 'version', 'layers', 'seed', 'optimizer', 'optimizer_step', 'optimizer_slots'];

/** Little-endian float32 bytes as base64 (`btoa` exists in browsers and Node alike). */
function slotToBase64(data: Float32Array): string {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i]!, true);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
/** The safetensors library refuses larger headers; so do we, before decoding one. */
const MAX_HEADER = 100_000_000;

export function encodeCheckpoint(c: CheckpointContents): Uint8Array {
  const tensors: { name: string; data: Float32Array; shape: readonly number[] }[] = [];
  for (const [name, w] of c.weights) {
    if (name === '__metadata__' || name.startsWith(OPT_PREFIX)) throw new Error(`checkpoint: weight name '${name}' is reserved`);
    tensors.push({ name, data: w.data, shape: w.shape });
  }
  // Optimizer slots travel in the metadata, not as tensors, so the file's tensors are exactly the
  // model's state_dict and load into PyTorch with load_state_dict(strict=True).
  const slotText: Record<string, string[]> = {};
  if (c.optimizer) {
    for (const [name, slots] of c.optimizer.slots) {
      if (!c.weights.get(name)) throw new Error(`checkpoint: optimizer state for unknown parameter ${name}`);
      if (slots.length > OPTIMIZER_SLOTS) throw new Error(`checkpoint: optimizer state for ${name}: expected at most ${OPTIMIZER_SLOTS} slots, got ${slots.length}`);
      slotText[name] = slots.map(slotToBase64);
    }
  }
  const metadata: Record<string, string> = {
    crc32: '00000000', // sealed below, once every other byte is known
    format: CHECKPOINT_FORMAT,
    version: String(CHECKPOINT_VERSION),
    layers: JSON.stringify(c.layers),
    seed: String(c.seed),
  };
  if (c.optimizer) {
    metadata.optimizer = JSON.stringify(c.optimizer.spec);
    metadata.optimizer_step = String(c.optimizer.step);
    metadata.optimizer_slots = JSON.stringify(slotText);
  }
  // Written by hand so that __metadata__ comes first whatever the tensor names (JSON.stringify
  // would put integer-like keys before it).
  let offset = 0;
  let json = `{"__metadata__":${JSON.stringify(metadata)}`;
  for (const t of tensors) {
    const bytes = t.data.length * 4;
    json += `,${JSON.stringify(t.name)}:${JSON.stringify({ dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] })}`;
    offset += bytes;
  }
  json += '}';
  // safetensors pads the header with spaces to a multiple of 8 bytes.
  const text = new TextEncoder().encode(json);
  const headerLength = text.length + ((8 - (text.length % 8)) % 8);
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(text, 8);
  out.fill(0x20, 8 + text.length, 8 + headerLength);
  let pos = 8 + headerLength;
  for (const t of tensors) for (let i = 0; i < t.data.length; i++, pos += 4) view.setFloat32(pos, t.data[i]!, true);
  return sealCheckpoint(out);
}

/**
 * Writes the version 2 checksum into a file's header in place (and returns the bytes). The
 * encoder's last step; tests use it to craft files whose only fault is the one they test.
 */
export function sealCheckpoint(bytes: Uint8Array): Uint8Array {
  const start = new TextDecoder().decode(bytes.subarray(8, SEAL_AT + 9));
  if (!start.startsWith(SEAL_PREFIX) || start[SEAL_PREFIX.length + 8] !== '"') throw new Error(`sealCheckpoint: expected a header starting ${SEAL_PREFIX}xxxxxxxx"`);
  bytes.set(ZERO_DIGITS, SEAL_AT);
  bytes.set(new TextEncoder().encode(hex8(crc32(bytes))), SEAL_AT);
  return bytes;
}

/** The version 2 checksum: CRC-32 of the whole file, its own 8 digits read as '0'. */
function fileChecksum(bytes: Uint8Array): string {
  const head = crc32(ZERO_DIGITS, crc32(bytes.subarray(0, SEAL_AT)));
  return hex8(crc32(bytes.subarray(SEAL_AT + ZERO_DIGITS.length), head));
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

const UINT = /^(?:0|[1-9]\d*)$/;

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

export function decodeCheckpoint(bytes: Uint8Array, source = 'checkpoint'): CheckpointContents {
  const fail = (why: string): never => {
    throw new Error(`${source}: not a valid rnnkit checkpoint: ${why}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) fail(`header length ${headerLength} exceeds the file size ${bytes.length} (truncated file?)`);
  if (headerLength > BigInt(MAX_HEADER)) fail(`header length ${headerLength} exceeds the ${MAX_HEADER}-byte limit of safetensors`);
  const n = Number(headerLength);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('header: expected UTF-8 JSON, got bytes that are not UTF-8');
  }
  // The checksum first, before any field is believed.
  const digits = text.slice(SEAL_PREFIX.length, SEAL_PREFIX.length + 8);
  const sealed = text.startsWith(SEAL_PREFIX) && /^[0-9a-f]{8}$/.test(digits) && text[SEAL_PREFIX.length + 8] === '"';
  if (sealed) {
    const actual = fileChecksum(bytes);
    if (actual !== digits) fail(`checksum mismatch (CRC-32 ${actual}, header says ${digits}): the file is corrupt or truncated`);
  }
  let parsed: unknown;
  try {
    parsed = parseStrictJson(text);
  } catch (e) {
    fail(`header: not valid JSON (${(e as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) fail(`header: expected a JSON object, got ${Array.isArray(parsed) ? 'an array' : show(parsed)}`);
  const header = parsed as Record<string, unknown>;

  // ---- metadata -------------------------------------------------------------------------
  const meta = header.__metadata__ as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) fail(`__metadata__: expected rnnkit's metadata object, got ${show(meta)} (a safetensors file not written by rnnkit?)`);
  for (const [k, v] of Object.entries(meta!)) {
    if (!METADATA_KEYS.includes(k)) fail(`metadata.${k}: unknown field (rnnkit writes ${METADATA_KEYS.join(', ')})`);
    if (typeof v !== 'string') fail(`metadata.${k}: expected a string, got ${show(v)}`);
  }
  const m = meta as Record<string, string | undefined>;
  if (m.format !== CHECKPOINT_FORMAT) fail(`metadata.format: expected '${CHECKPOINT_FORMAT}', got ${show(m.format)}`);
  if (m.version !== '1' && m.version !== '2') {
    const newer = m.version !== undefined && UINT.test(m.version) && Number(m.version) > CHECKPOINT_VERSION;
    fail(`metadata.version: expected "1" or "2", got ${show(m.version)}${newer ? ': written by a newer rnnkit; upgrade @rnnkit/core to read it' : ''}`);
  }
  if (m.version === '2' && !sealed) fail(`metadata.crc32: expected the checksum as the header's first field (${SEAL_PREFIX}<8 hex digits>"), got ${show(m.crc32)} at ${show(text.slice(0, SEAL_PREFIX.length + 9))}`);
  if (m.version === '1') {
    if (sealed) fail('metadata.version: expected "2" in a file whose checksum covers the header, got "1"');
    if (m.crc32 === undefined || !UINT.test(m.crc32) || Number(m.crc32) > 0xffffffff) fail(`metadata.crc32: expected a decimal CRC-32, got ${show(m.crc32)}`);
    const actual = crc32(bytes.subarray(8 + n));
    if (String(actual) !== m.crc32) fail(`data checksum mismatch (CRC-32 ${actual}, header says ${m.crc32}): the file is corrupt or truncated`);
  }
  const uint = (key: string): number => {
    const v = m[key];
    if (v === undefined || !UINT.test(v) || !Number.isSafeInteger(Number(v))) fail(`metadata.${key}: expected a non-negative integer, got ${show(v)}`);
    return Number(v);
  };
  const seed = uint('seed');
  const json = (key: string): unknown => {
    try {
      return parseStrictJson(m[key] ?? '');
    } catch (e) {
      return fail(`metadata.${key}: not valid JSON (${(e as Error).message})`);
    }
  };
  const layers = json('layers');
  if (!Array.isArray(layers) || layers.length === 0 || layers.some((l) => !l || typeof l !== 'object' || Array.isArray(l))) {
    fail(`metadata.layers: expected a non-empty array of layer specs, got ${show(layers)}`);
  }
  if ((m.optimizer === undefined) !== (m.optimizer_step === undefined)) {
    fail(m.optimizer === undefined ? 'metadata.optimizer: missing (metadata.optimizer_step is present)' : 'metadata.optimizer_step: missing (metadata.optimizer is present)');
  }
  let optimizer: { spec: OptimizerSpec; step: number } | undefined;
  if (m.optimizer !== undefined) {
    const given = json('optimizer') as Record<string, unknown>;
    let spec: OptimizerSpec;
    try {
      spec = checkOptimizerSpec(given, 'metadata.optimizer');
    } catch (e) {
      // The factories (adam(), ...) name their own fields: `adam: lr: expected …`.
      const why = (e as Error).message;
      return fail(why.startsWith('metadata.optimizer') ? why : `metadata.optimizer: ${why}`);
    }
    // checkOptimizerSpec fills defaults; a file has every field, as rnnkit writes them all.
    for (const [k, v] of Object.entries(spec)) if (given[k] !== v) fail(`metadata.optimizer: ${k}: expected ${JSON.stringify(v)}, got ${show(given[k])}`);
    optimizer = { spec, step: uint('optimizer_step') };
  }

  // ---- tensors --------------------------------------------------------------------------
  // The container's rules (dtype, shape, offsets that tile the data exactly) are safetensors'.
  const file = decodeSafetensors(bytes, source);
  let at = 0;
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = (info as { data_offsets: [number, number] }).data_offsets;
    if (begin !== at) fail(`${name}: data_offsets: expected [${at}, …] (rnnkit writes tensors in header order, each after the last), got [${begin}, ${end}]`);
    at = end;
  }
  const weights = new Map<string, { data: Float32Array; shape: readonly number[] }>();
  const slotTensors: { name: string; param: string; index: number; data: Float32Array; shape: readonly number[] }[] = [];
  for (const [name, t] of file.tensors) {
    if (t.dtype !== 'F32') fail(`${name}: dtype: expected F32 (rnnkit writes float32), got ${t.dtype}`);
    for (let i = 0; i < t.data.length; i++) if (!Number.isFinite(t.data[i]!)) fail(`${name}: expected finite values, got ${t.data[i]} at flat index ${i}`);
    if (!name.startsWith(OPT_PREFIX)) {
      if (name === '') fail("'': expected a parameter's state_dict name, got an empty name");
      weights.set(name, { data: t.data, shape: t.shape });
      continue;
    }
    if (m.version !== '1') fail(`${name}: optimizer state as a tensor (version 1's layout) in a version 2 file, which keeps it in metadata.optimizer_slots`);
    const slot = /^(.+)\.(0|[1-9]\d*)$/.exec(name.slice(OPT_PREFIX.length));
    if (!slot) fail(`${name}: expected an optimizer slot named ${OPT_PREFIX}<parameter>.<slot index>`);
    const index = Number(slot![2]);
    if (index >= OPTIMIZER_SLOTS) fail(`${name}: slot index: expected below ${OPTIMIZER_SLOTS}, got ${slot![2]}`);
    slotTensors.push({ name, param: slot![1]!, index, data: t.data, shape: t.shape });
  }
  if (weights.size === 0) fail('the file holds no weights');
  const slots = new Map<string, Float32Array[]>();
  for (const s of slotTensors) {
    if (!optimizer) fail(`${s.name}: optimizer state in a file without metadata.optimizer`);
    const w = weights.get(s.param);
    if (!w) fail(`${s.name}: optimizer state for '${s.param}', which is not a weight in the file`);
    if (w!.shape.join() !== s.shape.join() || w!.shape.length !== s.shape.length) fail(`${s.name}: shape: expected [${w!.shape.join(', ')}] (the shape of '${s.param}'), got [${s.shape.join(', ')}]`);
    const list = slots.get(s.param) ?? [];
    list[s.index] = s.data;
    slots.set(s.param, list);
  }
  for (const [param, list] of slots) {
    for (let i = 0; i < OPTIMIZER_SLOTS; i++) if (!list[i]) fail(`${OPT_PREFIX}${param}.${i}: missing (a parameter with optimizer state has ${OPTIMIZER_SLOTS} slots)`);
  }
  if (m.optimizer_slots !== undefined) {
    if (m.version === '1' || !optimizer) fail(`metadata.optimizer_slots: expected only in a version 2 file with metadata.optimizer`);
    const given = json('optimizer_slots');
    if (!given || typeof given !== 'object' || Array.isArray(given)) fail(`metadata.optimizer_slots: expected an object of parameter → [slot, slot], got ${show(given)}`);
    for (const [param, list] of Object.entries(given as Record<string, unknown>)) {
      const where = `metadata.optimizer_slots.${param}`;
      const w = weights.get(param);
      if (!w) fail(`${where}: optimizer state for '${param}', which is not a weight in the file`);
      if (!Array.isArray(list) || list.length !== OPTIMIZER_SLOTS) fail(`${where}: expected ${OPTIMIZER_SLOTS} slots, got ${Array.isArray(list) ? list.length : show(list)}`);
      const arrays = (list as unknown[]).map((b64, i) => {
        // Sized before decoding: base64 of 4·n bytes has exactly this length.
        const want = 4 * Math.ceil((w!.data.length * 4) / 3);
        if (typeof b64 !== 'string' || b64.length !== want || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) fail(`${where}[${i}]: expected ${want} base64 characters (${w!.data.length} float32 values), got ${typeof b64 === 'string' ? `${b64.length} characters` : show(b64)}`);
        const bin = atob(b64 as string);
        const view = new DataView(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)).buffer);
        const out = new Float32Array(w!.data.length);
        for (let k = 0; k < out.length; k++) {
          out[k] = view.getFloat32(4 * k, true);
          if (!Number.isFinite(out[k]!)) fail(`${where}[${i}]: expected finite values, got ${out[k]} at flat index ${k}`);
        }
        return out;
      });
      slots.set(param, arrays);
    }
  } else if (m.version === '2' && optimizer) fail('metadata.optimizer_slots: missing (metadata.optimizer is present)');
  if (optimizer && optimizer.step === 0 && slots.size > 0) fail('metadata.optimizer_step: expected a positive step in a file with optimizer slots, got "0"');

  // Every size in a layer spec is at most the number of values its parameters hold, so none
  // can exceed the file's: checked here, before the layers are built or anything allocated.
  let values = 0;
  for (const w of weights.values()) values += w.data.length;
  const bound = (v: unknown, where: string): void => {
    if (typeof v === 'number' && !(v <= values)) fail(`${where}: expected at most ${values} (the parameter values the file holds), got ${v}`);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) bound(x, Array.isArray(v) ? `${where}[${k}]` : `${where}.${k}`);
  };
  bound(layers, 'metadata.layers');

  return {
    layers: layers as LayerSpec[],
    seed,
    weights,
    optimizer: optimizer ? { ...optimizer, slots } : undefined,
    source,
  };
}

/** Reads and checks a checkpoint file (Node): regular files only, so a FIFO or device cannot hang it. */
export async function readCheckpoint(path: string): Promise<CheckpointContents> {
  assertNodeFs(`reading ${path}`);
  const { open, stat } = await import('node:fs/promises');
  const { constants } = await import('node:fs');
  const notRegular = (st: import('node:fs').Stats): string | undefined =>
    st.isFile() ? undefined : st.isFIFO() ? 'a FIFO' : st.isDirectory() ? 'a folder' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
  let bytes: Uint8Array;
  let kind: string | undefined;
  try {
    // stat first: opening a FIFO for reading blocks until a writer appears.
    kind = notRegular(await stat(path));
    if (kind) throw new Error(kind);
    // Non-blocking, and checked again on the open file, in case the name changed in between.
    const fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      kind = notRegular(await fh.stat());
      if (kind) throw new Error(kind);
      bytes = await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (kind) throw new Error(`${path}: not a valid rnnkit checkpoint: expected a regular file, got ${kind}`);
    throw new Error(`${path}: cannot read the checkpoint: ${(e as Error).message}`, { cause: e });
  }
  return decodeCheckpoint(bytes, path);
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE), to detect corrupt or truncated files; `previous` continues one over several parts. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
