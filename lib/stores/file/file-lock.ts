import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isErrno, unlinkIfPresent } from './fs-helpers.js';

/**
 * A lock this old was left by a process that died holding it: the critical
 * sections it guards (read, compare, write one small file) take milliseconds.
 */
export const STALE_LOCK_MS = 5_000;

/** Waiting longer than this means something other than a dead holder is wrong: fail (a 503) rather than hang. */
const ACQUIRE_TIMEOUT_MS = 2 * STALE_LOCK_MS;

/**
 * Runs `critical` while holding the lock file `lockPath`, exclusive across
 * every process and FileStore sharing the directory. Creating with `wx`
 * (O_CREAT | O_EXCL) is atomic on local file systems, so exactly one caller
 * wins; the others retry with a short, jittered backoff. The lock is removed
 * however `critical` ends.
 */
export async function withFileLock<R>(lockPath: string, critical: () => Promise<R>): Promise<R> {
  await acquire(lockPath);
  try {
    return await critical();
  } finally {
    await unlinkIfPresent(lockPath);
  }
}

async function acquire(lockPath: string): Promise<void> {
  const giveUpAt = Date.now() + ACQUIRE_TIMEOUT_MS;
  for (let backoff = 2; ; backoff = Math.min(backoff * 2, 50)) {
    if (await tryCreate(lockPath)) return;
    if (await breakStaleLock(lockPath)) continue;
    if (Date.now() > giveUpAt) {
      throw new Error(`Could not take the lock ${lockPath} within ${ACQUIRE_TIMEOUT_MS} ms; another process keeps it.`);
    }
    // Jitter, so waiters that collided do not retry in lockstep.
    await sleep(backoff / 2 + Math.random() * backoff);
  }
}

/**
 * Removes `lockPath` if its holder died (older than STALE_LOCK_MS); resolves
 * whether it did. Breaking is itself serialised by a guard file, and the lock
 * judged stale again under the guard: otherwise two waiters that both saw the
 * dead lock could both remove "it", the slower one removing the fresh lock the
 * faster one had just taken, and two writers would hold the lock at once.
 */
export async function breakStaleLock(lockPath: string): Promise<boolean> {
  if (!isStale(await lockAge(lockPath))) return false;
  const guard = `${lockPath}.break`;
  if (!(await tryCreate(guard))) {
    // Only a breaker that died within its few microseconds leaves the guard behind.
    if (isStale(await lockAge(guard))) await unlinkIfPresent(guard);
    return false;
  }
  try {
    if (!isStale(await lockAge(lockPath))) return false; // broken and taken again meanwhile
    return await unlinkIfPresent(lockPath);
  } finally {
    await unlinkIfPresent(guard);
  }
}

/** Creates `path` if nobody has; resolves whether this caller did. */
async function tryCreate(path: string): Promise<boolean> {
  try {
    await (await open(path, 'wx', 0o600)).close();
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw error;
  }
}

/** Milliseconds since the file was created; undefined once it is gone. */
async function lockAge(path: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function isStale(age: number | undefined): boolean {
  return age !== undefined && age >= STALE_LOCK_MS;
}
