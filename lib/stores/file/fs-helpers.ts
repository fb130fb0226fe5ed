import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';

/** Whether `error` is a Node system error with this errno code (ENOENT, EEXIST…). */
export function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === code;
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

/**
 * Replaces `path` in one step: readers see the old content or the new, never a
 * half-written file. The bytes go to a temp file in the same directory (same
 * file system, so `rename` is atomic), created with mode 0600 and `wx` so it is
 * never readable by other users, not even for a moment, and never shared with
 * another writer. No fsync: a process crash loses nothing (the kernel has the
 * bytes), and a power cut can at worst leave a session file empty, which reads
 * as missing, so that user signs in again; an fsync per request costs more.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await unlinkIfPresent(temp).catch(() => undefined);
    throw error;
  }
}
