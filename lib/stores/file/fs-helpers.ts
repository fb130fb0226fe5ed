import { rename, rmdir, unlink, writeFile } from 'node:fs/promises';

/** Whether `error` is a Node system error with one of these errno codes (ENOENT, EEXIST…). */
export function isErrno(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException | null)?.code ?? '');
}

/** Removes `path`; resolves whether it was there, so callers can count what they removed. */
export async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}

/** Removes the directory `path` if it is there and empty; resolves whether it did. */
export async function rmdirIfEmpty(path: string): Promise<boolean> {
  try {
    await rmdir(path);
    return true;
  } catch (error) {
    // ENOTEMPTY (EEXIST on some systems): in use again; ENOTDIR: not a directory, not ours to remove.
    if (isErrno(error, 'ENOENT', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR')) return false;
    throw error;
  }
}

/**
 * Replaces `path` in one step: readers see the old content or the new, never a
 * half-written file. The bytes go to `${path}.${token}.tmp` in the same
 * directory (same file system, so `rename` is atomic), the token naming this
 * process so a sweep can tell a dead writer's temp file from one in flight;
 * created with mode 0600 and `wx`, so never readable by other users, not even
 * for a moment, and never shared with another writer. No fsync: a process
 * crash loses nothing (the kernel has the bytes), and a power cut can at worst
 * leave a session file empty, which reads as missing, so that user signs in
 * again; an fsync per request costs more.
 */
export async function writeFileAtomic(path: string, text: string, token: string): Promise<void> {
  const temp = `${path}.${token}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await unlinkIfPresent(temp).catch(() => undefined);
    throw error;
  }
}
