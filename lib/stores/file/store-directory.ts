import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredSession } from '../session-store.js';
import { LockLostError, withFileLock, type Tenure, type TenureKind } from './file-lock.js';
import { isErrno } from './fs-helpers.js';
import { removeLeftovers } from './leftovers.js';
import { parseSessionFile } from './session-file.js';

/** A lock broken under us this many times in a row: we are too slow to hold one; fail (a 503) rather than loop. */
const MAX_LOCK_LOSSES = 3;
/** After a write finds a dead holder, look for the rest of what it left at most this often. */
const SWEEP_AFTER_DEATH_MS = 1_000;

/**
 * FileStore's directory: made on first write, one session's file read and
 * changed under that session's lock, and what crashed writers left swept.
 */
export class StoreDirectory {
  private ready: Promise<unknown> | undefined;
  private sweeping: Promise<unknown> | undefined;
  private lastSweep = 0;

  constructor(
    readonly dir: string,
    private readonly logFailure: (what: string, error: unknown) => void,
  ) {}

  path(id: string, kind: 'json' | 'lock'): string {
    return join(this.dir, `${id}.${kind}`);
  }

  /** The live record, or undefined for missing, expired, corrupt or foreign files (never a throw for bad content). */
  async read(id: string, now: number): Promise<StoredSession | undefined> {
    let text: string;
    try {
      text = await readFile(this.path(id, 'json'), 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error; // the directory itself is failing: a 503, not a silent logout
    }
    const file = parseSessionFile(text);
    return file && file.deadline > now && file.session.expiresAt > now ? file.session : undefined;
  }

  /**
   * Runs `critical` under the session's lock. A lock broken under us (we were
   * stopped or starved) wrote nothing, so the whole read-compare-write starts
   * over: a conflict is then reported only if the record really changed.
   */
  async locked<R>(id: string, kind: TenureKind, critical: (tenure: Tenure) => Promise<R>, makeDir = true): Promise<R> {
    const run = () => withFileLock(this.path(id, 'lock'), kind, critical, this.sweepSoon);
    for (let losses = 0; ; ) {
      try {
        return await (makeDir ? this.inDir(run) : run());
      } catch (error) {
        if (!(error instanceof LockLostError) || ++losses === MAX_LOCK_LOSSES) throw error;
      }
    }
  }

  /**
   * Creates the directory on first write rather than in the constructor, so a
   * volume mounted late or removed and restored only fails the requests made
   * meanwhile: any failure forgets the directory and the next write makes it again.
   * The first write also looks for what processes before this one left behind.
   */
  async inDir<R>(operation: () => Promise<R>): Promise<R> {
    try {
      if (!this.ready) {
        this.ready = mkdir(this.dir, { recursive: true, mode: 0o700 });
        if (this.lastSweep === 0) void this.ready.then(this.sweepSoon, () => undefined);
      }
      await this.ready;
      return await operation();
    } catch (error) {
      this.ready = undefined;
      throw error;
    }
  }

  /** Removes what dead writers left (names only, no session file is read); resolves the ids that have a session file. */
  async sweep(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw error;
    }
    return removeLeftovers(this.dir, names); // a dead holder found here needs no further sweep
  }

  /** Resolves once a background sweep in flight is done. */
  async idle(): Promise<void> {
    await this.sweeping;
  }

  /** Sweeps in the background; at most one run per SWEEP_AFTER_DEATH_MS. */
  private readonly sweepSoon = (): void => {
    if (this.sweeping || Date.now() - this.lastSweep < SWEEP_AFTER_DEATH_MS) return;
    this.lastSweep = Date.now();
    this.sweeping = this.sweep()
      .catch((error: unknown) => this.logFailure('clean up', error))
      .finally(() => (this.sweeping = undefined));
  };
}
