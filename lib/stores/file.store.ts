import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { isSessionId } from '../http/session-id.js';
import { type SessionStore, type StoreDestroyOptions, type StoreSetOptions, type StoredSession, type TaggedSession } from './session-store.js';
import { LockLostError, withFileLock, type Tenure, type TenureKind } from './file/file-lock.js';
import { isErrno, writeFileAtomic } from './file/fs-helpers.js';
import { newToken } from './file/holder.js';
import { removeLeftovers } from './file/leftovers.js';
import { parseSessionFile, serializeSessionFile } from './file/session-file.js';
import { TagEntries } from './file/tag-entries.js';

export interface FileStoreOptions {
  /** Directory holding one `<id>.json` per session; created with mode 0700 if absent. Give it to this store alone. */
  dir: string;
  /** How often expired sessions and crash leftovers are deleted, in ms; 0 disables (call `prune()` yourself). @default 600_000 */
  pruneIntervalMs?: number;
}

/** setInterval turns anything longer into 1 ms: refuse it rather than prune in a busy loop. */
const MAX_INTERVAL_MS = 2 ** 31 - 1;
/** A lock broken under us this many times in a row: we are too slow to hold one; fail (a 503) rather than loop. */
const MAX_LOCK_LOSSES = 3;
/** After a write finds a dead holder, look for the rest of what it left at most this often. */
const SWEEP_AFTER_DEATH_MS = 1_000;

/**
 * Sessions as files in one directory: survives restarts and is shared by every
 * process on the machine (cluster workers, several app instances) without a
 * database. Writes are atomic (temp file + rename). Compare-and-set holds a
 * per-session lock and makes its change through it (see Tenure), so a writer
 * whose lock was broken, being stopped or starved past STALE_LOCK_MS, can never
 * overwrite a newer record; a lock whose holder died is broken at once, and
 * the rest of what a dead writer left is swept soon after (names only).
 * Expired files are pruned on an unref'd timer, since a file system has no TTL.
 */
export class FileStore implements SessionStore {
  readonly dir: string;
  private readonly timer: NodeJS.Timeout | undefined;
  private dirReady: Promise<unknown> | undefined;
  private pruning: Promise<number> | undefined;
  private sweeping: Promise<unknown> | undefined;
  private lastSweep = 0;
  private readonly tagEntries: TagEntries;

  constructor(options: FileStoreOptions) {
    if (typeof options?.dir !== 'string' || options.dir === '') {
      throw new TypeError('FileStore needs { dir }: the directory to keep session files in.');
    }
    const interval = options.pruneIntervalMs ?? 600_000;
    if (!Number.isInteger(interval) || interval < 0 || interval > MAX_INTERVAL_MS) {
      throw new TypeError(`FileStore pruneIntervalMs must be a whole number of ms from 0 (off) to ${MAX_INTERVAL_MS}; got ${interval}.`);
    }
    this.dir = resolve(options.dir); // a later process.chdir() must not move the sessions
    this.tagEntries = new TagEntries(join(this.dir, 'tags'), (id) => this.read(id, Date.now()));
    if (interval > 0) {
      this.timer = setInterval(() => this.prune().catch((error: unknown) => this.logFailure('prune', error)), interval);
      this.timer.unref();
    }
  }

  async get(id: string): Promise<StoredSession | undefined> {
    return isSessionId(id) ? this.read(id, Date.now()) : undefined;
  }

  async set(id: string, session: StoredSession, options: StoreSetOptions): Promise<boolean> {
    if (!isSessionId(id)) {
      throw new TypeError(
        `FileStore refuses the session id ${JSON.stringify(String(id).slice(0, 60))}: ids are 43 base64url characters ` +
          '(as newSessionId() makes them), and anything else could name a path outside the store directory.',
      );
    }
    const { ttlMs, ifVersion } = options;
    const text = () => serializeSessionFile(session, Math.ceil(Date.now() + ttlMs));
    // A brand-new id has nothing to compare with: the atomic rename is enough, no lock needed.
    // Its tag entry comes after the record, an existing id's before it (see TagEntries).
    if (ifVersion === undefined) return this.inDir(() => writeFileAtomic(this.path(id, 'json'), text(), newToken())).then(() => this.entered(session.tag, id, true));
    await this.entered(session.tag, id, true);
    return this.locked(id, 'write', async (tenure) => {
      const current = await this.read(id, Date.now());
      if (current?.version !== ifVersion) return false; // missing counts as a conflict: a logout sticks
      await tenure.commit(this.path(id, 'json'), text());
      return true;
    });
  }

  /** Under the lock, so a compare-and-set in flight cannot bring the session back after it is gone. */
  async destroy(id: string, options: StoreDestroyOptions = {}): Promise<boolean> {
    if (!isSessionId(id)) return true;
    return this.locked(id, 'remove', async (tenure) => {
      if (options.ifVersion !== undefined) {
        const current = await this.read(id, Date.now());
        if (current && current.version !== options.ifVersion) return false;
      }
      await tenure.remove(this.path(id, 'json'));
      return true;
    });
  }

  async touch(id: string, expiresAt: number): Promise<void> {
    if (!isSessionId(id)) return;
    await this.locked(id, 'write', async (tenure) => {
      const session = await this.read(id, Date.now());
      if (session) await tenure.commit(this.path(id, 'json'), serializeSessionFile({ ...session, expiresAt }, expiresAt));
    });
  }

  /** The tag's live sessions, from its own directory of entries (see TagEntries). */
  findTagged(tag: string): Promise<TaggedSession[]> {
    return this.tagEntries.find(tag);
  }

  /** Deletes expired and unreadable sessions, abandoned locks and crash leftovers; resolves how many sessions went. One run at a time. */
  prune(): Promise<number> {
    // Tag entries after the sweep, which removes the sessions that make them stale.
    const run = () => this.sweep(true).then(async (removed) => (await this.tagEntries.prune(), removed));
    return (this.pruning ??= run().finally(() => (this.pruning = undefined)));
  }

  private async entered<R>(tag: string | undefined, id: string, result: R): Promise<R> {
    if (tag !== undefined) await this.inDir(() => this.tagEntries.add(tag, id));
    return result;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.pruning?.catch(() => undefined), this.sweeping]);
  }

  private path(id: string, kind: 'json' | 'lock'): string {
    return join(this.dir, `${id}.${kind}`);
  }

  /** The live record, or undefined for missing, expired, corrupt or foreign files (never a throw for bad content). */
  private async read(id: string, now: number): Promise<StoredSession | undefined> {
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
  private async locked<R>(id: string, kind: TenureKind, critical: (tenure: Tenure) => Promise<R>, makeDir = true): Promise<R> {
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
  private async inDir<R>(operation: () => Promise<R>): Promise<R> {
    try {
      if (!this.dirReady) {
        this.dirReady = mkdir(this.dir, { recursive: true, mode: 0o700 });
        if (this.lastSweep === 0) void this.dirReady.then(this.sweepSoon, () => undefined);
      }
      await this.dirReady;
      return await operation();
    } catch (error) {
      this.dirReady = undefined;
      throw error;
    }
  }

  /** Removes crash leftovers in the background (names only, no session file is read); at most one run per SWEEP_AFTER_DEATH_MS. */
  private readonly sweepSoon = (): void => {
    if (this.sweeping || Date.now() - this.lastSweep < SWEEP_AFTER_DEATH_MS) return;
    this.lastSweep = Date.now();
    this.sweeping = this.sweep(false)
      .catch((error: unknown) => this.logFailure('clean up', error))
      .finally(() => (this.sweeping = undefined));
  };

  private async sweep(sessionsToo: boolean): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return 0;
      throw error;
    }
    const ids = await removeLeftovers(this.dir, names); // a dead holder found here needs no further sweep
    let removed = 0;
    if (sessionsToo) for (const id of ids) removed += Number(await this.removeIfDead(id));
    return removed;
  }

  /** Checks without the lock first, so pruning live sessions never contends with requests. */
  private async removeIfDead(id: string): Promise<boolean> {
    if (await this.read(id, Date.now())) return false;
    const remove = async (tenure: Tenure) => !(await this.read(id, Date.now())) && tenure.remove(this.path(id, 'json'));
    return this.locked(id, 'remove', remove, false); // no mkdir: a directory removed meanwhile stays removed
  }

  private logFailure(what: string, error: unknown): void {
    new Logger('SessionModule').error(`FileStore could not ${what} ${this.dir}: ${String(error)}`, (error as Error)?.stack);
  }
}
