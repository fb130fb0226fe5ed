import { type FileHandle, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno, rmdirIfEmpty, unlinkIfPresent } from './fs-helpers.js';

/** The lock was broken under its holder (taken for dead or stalled): nothing was written, so the operation can start over. */
export class LockLostError extends Error {
  /** Read by SessionStoreUnavailableError: a 503 for this promises that nothing was saved. */
  readonly outcome = 'not-saved';

  constructor(lockPath: string) {
    super(`The lock ${lockPath} was broken while this process held it (it was taken for dead or stalled); nothing was written.`);
  }
}

/** A file tenure stages one write; a directory tenure receives one removed file. */
export type TenureKind = 'write' | 'remove';

const REMOVED = 'gone.json';

/**
 * One holding of a session's lock: the entry `<lock>/<token>` (a file to
 * stage a write in, or a directory to move a deleted file into), installed
 * with the lock directory and found in no other. Breaking the lock removes it
 * (endTenure). Each change the holder makes is one rename of or into that
 * entry, so the kernel checks that the holding is still alive in the same step
 * that makes the change: a holder whose lock was broken changes nothing.
 */
export class Tenure {
  readonly path: string;
  private done = false;

  constructor(
    readonly lockPath: string,
    readonly token: string,
    /** A write tenure's file, opened before the lock was installed: written through this, never by path. */
    private readonly staged?: FileHandle,
  ) {
    this.path = join(lockPath, token);
  }

  /** Replaces `target` with `text`, or throws LockLostError and changes nothing. A write tenure, once. */
  async commit(target: string, text: string): Promise<void> {
    if (!this.staged) throw new Error('commit() needs a write tenure');
    await this.staged.writeFile(text); // if the lock was broken meanwhile, this fills a file nobody can reach
    await this.staged.close();
    try {
      await rename(this.path, target);
      this.done = true;
    } catch (error) {
      throw isErrno(error, 'ENOENT') ? new LockLostError(this.lockPath) : error;
    }
  }

  /** Deletes `target` by moving it into the tenure; resolves false if there was none, or throws LockLostError. */
  async remove(target: string): Promise<boolean> {
    try {
      await rename(target, join(this.path, REMOVED));
      return true;
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
    // A tenure never comes back once removed: still here means it was alive at the rename, so the target was missing.
    if (await exists(this.path)) return false;
    throw new LockLostError(this.lockPath);
  }

  /** Leaves the lock free. Harmless if it was broken: the paths name this tenure only, and a newer holder's lock directory is not empty. */
  async release(): Promise<void> {
    await this.staged?.close().catch(() => undefined); // closed already after a commit
    if (!this.done) await (this.staged ? unlinkIfPresent(this.path) : endTenure(this.path));
    await rmdirIfEmpty(this.lockPath);
  }
}

/**
 * Breaks a holding: removes the tenure entry `path`, so its holder, if it is
 * alive after all, finds it gone and its rename fails. A directory tenure is
 * emptied first, again while its holder still moves a file into it (once at most).
 */
export async function endTenure(path: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    try {
      await unlink(path);
      return;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      if (!isErrno(error, 'EISDIR', 'EPERM')) throw error; // EPERM: a directory, on macOS
    }
    let names: string[];
    try {
      names = await readdir(path);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw error;
    }
    for (const name of names) await rm(join(path, name), { force: true, recursive: true });
    if ((await rmdirIfEmpty(path)) || !(await exists(path))) return;
  }
  throw new Error(`Could not break the lock tenure ${path}: its holder keeps writing into it.`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}
