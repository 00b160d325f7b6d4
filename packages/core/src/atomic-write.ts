// Writing a file so that its name only ever holds a complete file (Node). The bytes go to a
// temporary file beside the target, are flushed to disk, and the temporary is renamed over the
// target; the folder is then flushed too, so the rename itself survives a power cut.
//
// Temporary names are `<name>.tmp-<pid>-<12 random hex>-<counter>` and opened exclusively ('wx'):
// two writers, even two worker threads of one process in the same millisecond, never share one
// (the old `<pid>-<Date.now()>` names did, and their bytes interleaved into a corrupt file). A
// failed write removes its temporary. Temporaries left by killed writers are never read (only
// the final name is) and are removed by a later write to the same name once older than
// STALE_TEMP_MS: no write keeps its temporary open that long, since the rename follows the
// flush at once.
//
// Node modules are imported when called, so that core (which imports this file) still loads in a
// browser, where only the file IO is unavailable.

import { assertNodeFs } from './node-only.js';

/** Age after which a temporary of one of our names is taken as a killed writer's leftover. */
export const STALE_TEMP_MS = 15 * 60 * 1000;

let counter = 0;

/** Temporaries of `name` as written now (pid-random-counter) and by older rnnkit (pid-time). */
function tempPattern(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped}\\.tmp-\\d+-(?:[0-9a-f]{12}-[0-9a-z]+|[0-9a-z]+)$`);
}

/** Errors that only say a folder cannot be flushed on this platform or file system. */
const NO_DIRECTORY_SYNC = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EBADF']);

export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  assertNodeFs(`writing ${path}`);
  const { open, rename, rm } = await import('node:fs/promises');
  const { randomBytes } = await import('node:crypto');
  const { basename, dirname, join } = await import('node:path');
  const dir = dirname(path);
  await removeStaleTemps(dir, basename(path));
  const tmp = join(dir, `${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}-${(counter++).toString(36)}`);
  let created = false;
  try {
    const fh = await open(tmp, 'wx');
    created = true;
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    // Never remove a file this call did not create ('wx' failed: the name was someone else's).
    if (created) await rm(tmp, { force: true }).catch(() => undefined);
    throw new Error(`cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
  await syncDirectory(dir, path);
}

async function syncDirectory(dir: string, path: string): Promise<void> {
  const { open } = await import('node:fs/promises');
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    // Windows cannot open a folder (EISDIR, EPERM) and some file systems cannot flush one: the
    // file is in place either way, only the rename's durability is up to the system there.
    if (!NO_DIRECTORY_SYNC.has((e as NodeJS.ErrnoException).code ?? '')) {
      throw new Error(`wrote ${path}, but flushing its folder failed: ${(e as Error).message}`, { cause: e });
    }
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Best effort: a folder we cannot list or a temporary that vanished meanwhile is not an error. */
async function removeStaleTemps(dir: string, name: string): Promise<void> {
  const { readdir, lstat, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  const pattern = tempPattern(name);
  const cutoff = Date.now() - STALE_TEMP_MS;
  for (const entry of entries) {
    if (!pattern.test(entry)) continue;
    const file = join(dir, entry);
    try {
      const st = await lstat(file);
      if (st.isFile() && st.mtimeMs < cutoff) await rm(file, { force: true });
    } catch {
      // Gone already (another writer cleaned it) or not ours to remove.
    }
  }
}
