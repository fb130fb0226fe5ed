import { type FileHandle, lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isErrno, rmdirIfEmpty, unlinkIfPresent } from './fs-helpers.js';
import { holderIsDead, newToken, parseToken } from './holder.js';
import { endTenure, Tenure, type TenureKind } from './tenure.js';

export { LockLostError, type Tenure, type TenureKind } from './tenure.js';

/**
 * A lock held this long is broken even though its holder lives: the critical
 * sections it guards (read, compare, write one small file) take milliseconds,
 * so the holder is stopped or starved. Breaking it is safe (the holder is
 * fenced off, see Tenure); the age only bounds how long others wait.
 */
export const STALE_LOCK_MS = 5_000;

/** Waiting longer than this means something other than a dead holder is wrong: fail (a 503) rather than hang. */
const ACQUIRE_TIMEOUT_MS = 2 * STALE_LOCK_MS;

/** Called when a lock's holder turned out to be a process that has ended: it may have left more behind. */
export type DeadHolderHook = () => void;

/**
 * Runs `critical` while holding the lock `lockPath`, exclusive across every
 * process and FileStore sharing the directory. The lock is a directory that
 * holds exactly one tenure (`<lock>/<token>`, see Tenure), put in place by one
 * rename that succeeds only while no other tenure is there. `critical` makes
 * its change through the tenure (a `write` tenure commits one file, a `remove`
 * tenure deletes one), so a holder whose lock was broken changes nothing
 * (LockLostError). The lock is left however `critical` ends.
 */
export async function withFileLock<R>(
  lockPath: string,
  kind: TenureKind,
  critical: (tenure: Tenure) => Promise<R>,
  onDeadHolder?: DeadHolderHook,
): Promise<R> {
  const tenure = await acquire(lockPath, kind, onDeadHolder);
  try {
    return await critical(tenure);
  } finally {
    // Whatever `critical` did is decided by now: a failed cleanup must not turn a saved write into an error.
    await tenure.release().catch(() => undefined);
  }
}

async function acquire(lockPath: string, kind: TenureKind, onDeadHolder?: DeadHolderHook): Promise<Tenure> {
  const giveUpAt = Date.now() + ACQUIRE_TIMEOUT_MS;
  const checkTime = () => {
    if (Date.now() <= giveUpAt) return;
    const message = `Could not take the lock ${lockPath} within ${ACQUIRE_TIMEOUT_MS} ms; another process keeps it.`;
    throw Object.assign(new Error(message), { outcome: 'not-saved' }); // nothing was written (see SessionStoreUnavailableError)
  };
  for (let backoff = 2; ; checkTime()) {
    const tenure = await tryInstall(lockPath, kind);
    if (tenure) return tenure;
    // Wait by looking at the holder (one readdir a look), not by installing again (five calls a try).
    while (!(await breakAbandonedLock(lockPath, onDeadHolder))) {
      checkTime();
      await sleep(backoff / 2 + Math.random() * backoff); // jitter, so waiters that collided do not retry in lockstep
      backoff = Math.min(backoff * 2, 50);
    }
  }
}

/**
 * Builds `<lock>.<token>.tmp/<token>` and renames that directory to `<lock>`:
 * rename replaces nothing but a missing or empty directory, so it fails while
 * another tenure is installed, and the lock never exists without its holder's name.
 */
async function tryInstall(lockPath: string, kind: TenureKind): Promise<Tenure | undefined> {
  const token = newToken();
  const staging = `${lockPath}.${token}.tmp`;
  await mkdir(staging, { mode: 0o700 });
  let staged: FileHandle | undefined;
  try {
    if (kind === 'write') staged = await open(join(staging, token), 'wx', 0o600);
    else await mkdir(join(staging, token), { mode: 0o700 });
    await rename(staging, lockPath);
    return new Tenure(lockPath, token, staged);
  } catch (error) {
    await staged?.close().catch(() => undefined);
    await (kind === 'write' ? unlinkIfPresent(join(staging, token)) : rmdirIfEmpty(join(staging, token))).catch(() => undefined);
    await rmdirIfEmpty(staging).catch(() => undefined);
    // ENOTEMPTY/EEXIST: held. ENOTDIR: an older FileStore's lock file. ENOENT: a sweep took our staging dir for a dead writer's.
    if (isErrno(error, 'ENOTEMPTY', 'EEXIST', 'ENOTDIR', 'ENOENT')) return undefined;
    throw error;
  }
}

/**
 * Breaks the lock if its holder has died (at once) or held it past
 * STALE_LOCK_MS (stopped or starved: it is fenced off, so this is safe);
 * resolves whether the way is clear now. Several breakers at once are fine:
 * each removes the same uniquely named tenure, and none can touch a newer one.
 */
export async function breakAbandonedLock(lockPath: string, onDeadHolder?: DeadHolderHook): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(lockPath);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return true; // released meanwhile
    if (isErrno(error, 'ENOTDIR')) return breakLockFile(lockPath);
    throw error;
  }
  let cleared = true; // an empty lock directory is free: the next rename replaces it
  for (const name of names) {
    const holder = parseToken(name);
    if (holder && (await holderIsDead(holder))) onDeadHolder?.();
    else if (Date.now() - (holder?.since ?? (await modifiedAt(join(lockPath, name)))) < STALE_LOCK_MS) {
      cleared = false;
      continue;
    }
    await endTenure(join(lockPath, name));
  }
  return cleared;
}

/** A lock file of an older FileStore (no holder recorded): broken by age alone, as that version did. */
async function breakLockFile(lockPath: string): Promise<boolean> {
  if (Date.now() - (await modifiedAt(lockPath)) < STALE_LOCK_MS) return false;
  try {
    await unlink(lockPath);
  } catch (error) {
    // EISDIR (EPERM on macOS): replaced by a lock directory meanwhile, which is not ours to remove.
    if (!isErrno(error, 'ENOENT', 'EISDIR', 'EPERM')) throw error;
  }
  return true;
}

/** When `path` was last modified, in epoch ms; 0 (long ago) once it is gone. */
export async function modifiedAt(path: string): Promise<number> {
  try {
    return (await lstat(path)).mtimeMs;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return 0;
    throw error;
  }
}
