// Reading a safetensors file from disk (Node): regular files only, so a FIFO or a device can
// never hang the reader, and the size is known before anything is read.
import { assertNodeFs } from './node-only.js';
import { decodeSafetensors, type SafetensorsFile } from './safetensors.js';

export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  assertNodeFs(`reading ${path}`);
  const { readFile, stat } = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  }
  return decodeSafetensors(bytes, path);
}
