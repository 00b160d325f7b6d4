// On-disk cache of an encoded IMDB result, so a second load skips JSON parsing and tokenising.
//
// Layout (little-endian typed data; a host of the other endianness treats the file as a miss):
//   "RNNKIMDB" | u32 format version | u32 header byte length H | header JSON (H bytes, space-padded
//   to a multiple of 4) | train x int32 | train y float32 | train tokenCounts int32 | test x | test y |
//   test tokenCounts | vocabulary words, UTF-8, '\n'-separated | sha256 of everything before (32 bytes)
// A file whose length or checksum disagrees, or whose key differs, is not trusted: it is rebuilt.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { datasetFrom, type ImdbData, type ImdbSettings } from './imdb-build.js';
import { Vocabulary } from './vocabulary.js';

const MAGIC = 'RNNKIMDB';
const FORMAT_VERSION = 1;
const HASH_BYTES = 32;

interface CacheHeader {
  key: string;
  endianness: 'LE' | 'BE';
  nTrain: number;
  nTest: number;
  seqLen: number;
  vocabBytes: number;
}

/**
 * Reads a cache file written by `writeImdbCache` for `key`. Returns undefined when there is no file,
 * and a reason string when the file exists but is not usable (corrupt, other key, other format).
 */
export async function readImdbCache(
  path: string,
  key: string,
  settings: ImdbSettings,
): Promise<ImdbData | { miss: string } | undefined> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch {
    return undefined;
  }
  const miss = (why: string) => ({ miss: `${path}: ${why}` });
  if (buf.length < 16 + HASH_BYTES || buf.toString('latin1', 0, 8) !== MAGIC) return miss('not an rnnkit IMDB cache file');
  if (buf.readUInt32LE(8) !== FORMAT_VERSION) return miss(`cache format ${buf.readUInt32LE(8)}, expected ${FORMAT_VERSION}`);
  const headerLen = buf.readUInt32LE(12);
  if (16 + headerLen + HASH_BYTES > buf.length) return miss('truncated header');
  let header: CacheHeader;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + headerLen)) as CacheHeader;
  } catch {
    return miss('unparsable header');
  }
  if (header.key !== key) return miss('written for other settings or another source file');
  if (header.endianness !== endianness()) return miss(`written on a ${header.endianness} host`);
  const sizes = sectionSizes(header);
  const expected = 16 + headerLen + sizes.reduce((a, b) => a + b, 0) + HASH_BYTES;
  if (buf.length !== expected) return miss(`length ${buf.length} bytes, expected ${expected} (truncated or corrupt)`);
  const body = buf.subarray(0, buf.length - HASH_BYTES);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(buf.subarray(buf.length - HASH_BYTES))) return miss('checksum mismatch (corrupt)');

  let at = 16 + headerLen;
  // Copy each section into its own typed array: the buffer's offset need not be 4-byte aligned.
  const take = <A extends Int32Array | Float32Array>(Ctor: new (b: ArrayBuffer) => A, bytes: number): A => {
    const copy = new Uint8Array(bytes);
    copy.set(buf.subarray(at, at + bytes));
    at += bytes;
    return new Ctor(copy.buffer);
  };
  const { nTrain, nTest, seqLen } = header;
  const trainX = take(Int32Array, sizes[0]!);
  const trainY = take(Float32Array, sizes[1]!);
  const trainKept = take(Int32Array, sizes[2]!);
  const testX = take(Int32Array, sizes[3]!);
  const testY = take(Float32Array, sizes[4]!);
  const testKept = take(Int32Array, sizes[5]!);
  const words = header.vocabBytes === 0 ? [] : buf.toString('utf8', at, at + header.vocabBytes).split('\n');
  return {
    train: datasetFrom(trainX, [nTrain, seqLen], trainY, trainKept, settings.padding),
    test: datasetFrom(testX, [nTest, seqLen], testY, testKept, settings.padding),
    vocabulary: new Vocabulary(words, settings),
    tokenCounts: { train: trainKept, test: testKept },
    settings,
  };
}

/** Writes atomically: a temporary file in the same folder, renamed over `path` once complete. */
export async function writeImdbCache(path: string, key: string, data: ImdbData): Promise<void> {
  const seqLen = data.train.x.shape[1] ?? 0;
  const vocab = Buffer.from(data.vocabulary.words.join('\n'), 'utf8');
  const header: CacheHeader = {
    key,
    endianness: endianness(),
    nTrain: data.train.x.shape[0] ?? 0,
    nTest: data.test.x.shape[0] ?? 0,
    seqLen,
    vocabBytes: vocab.length,
  };
  if ((data.test.x.shape[1] ?? 0) !== seqLen) throw new Error('writeImdbCache: train and test must share one sequence length');
  let headerJson = JSON.stringify(header);
  headerJson += ' '.repeat((4 - (Buffer.byteLength(headerJson) % 4)) % 4);
  const head = Buffer.alloc(16);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(FORMAT_VERSION, 8);
  head.writeUInt32LE(Buffer.byteLength(headerJson), 12);
  const bytesOf = (a: Int32Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const chunks: Uint8Array[] = [
    head,
    Buffer.from(headerJson, 'utf8'),
    bytesOf(data.train.x.data),
    bytesOf(data.train.y.data),
    bytesOf(data.tokenCounts.train),
    bytesOf(data.test.x.data),
    bytesOf(data.test.y.data),
    bytesOf(data.tokenCounts.test),
    vocab,
  ];
  const hash = createHash('sha256');
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    for (const c of chunks) {
      hash.update(c);
      await fh.write(c);
    }
    await fh.write(hash.digest());
    await fh.close();
    await rename(tmp, path);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

function sectionSizes(h: CacheHeader): number[] {
  const tx = h.nTrain * h.seqLen * 4;
  const ex = h.nTest * h.seqLen * 4;
  return [tx, h.nTrain * 4, h.nTrain * 4, ex, h.nTest * 4, h.nTest * 4, h.vocabBytes];
}
