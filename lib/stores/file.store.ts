import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { isSessionId } from '../http/session-id.js';
import { type SessionStore, type StoreDestroyOptions, type StoreSetOptions, type StoredSession, type TaggedSession } from './session-store.js';
import type { Tenure } from './file/file-lock.js';
import { writeFileAtomic } from './file/fs-helpers.js';
import { newToken } from './file/holder.js';
import { serializeSessionFile } from './file/session-file.js';
import { StoreDirectory } from './file/store-directory.js';
import { TagEntries } from './file/tag-entries.js';

/** Options of `new FileStore(...)`. */
export interface FileStoreOptions {
  /** Directory holding one `<id>.json` per session; created with mode 0700 if absent. Give it to this store alone. */
  dir: string;
  /** How often expired sessions and crash leftovers are deleted, in ms; 0 disables (call `prune()` yourself). @default 600_000 */
  pruneIntervalMs?: number;
}

/** setInterval turns anything longer into 1 ms: refuse it rather than prune in a busy loop. */
const MAX_INTERVAL_MS = 2 ** 31 - 1;

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
  /** The store's directory, resolved to an absolute path. */
  readonly dir: string;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly files: StoreDirectory;
  private pruning: Promise<number> | undefined;
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
    this.files = new StoreDirectory(this.dir, (what, error) => this.logFailure(what, error));
    this.tagEntries = new TagEntries(join(this.dir, 'tags'), (id) => this.files.read(id, Date.now()));
    if (interval > 0) {
      this.timer = setInterval(() => this.prune().catch((error: unknown) => this.logFailure('prune', error)), interval);
      this.timer.unref();
    }
  }

  /** Reads `<id>.json`; a missing, expired or corrupt file reads as undefined. */
  async get(id: string): Promise<StoredSession | undefined> {
    return isSessionId(id) ? this.files.read(id, Date.now()) : undefined;
  }

  /** Writes the record atomically; with `ifVersion`, under the session's lock. Throws `TypeError` for an id that is not a session id. */
  async set(id: string, session: StoredSession, options: StoreSetOptions): Promise<boolean> {
    if (!isSessionId(id)) {
      throw new TypeError(
        `FileStore refuses the session id ${JSON.stringify(String(id).slice(0, 60))}: ids are 43 base64url characters ` +
          '(as newSessionId() makes them), and anything else could name a path outside the store directory.',
      );
    }
    const { ttlMs, ifVersion } = options;
    const text = () => serializeSessionFile(session, Math.ceil(Date.now() + ttlMs));
    const file = this.files.path(id, 'json');
    // A brand-new id has nothing to compare with: the atomic rename is enough, no lock needed.
    // Its tag entry comes after the record, an existing id's before it (see TagEntries).
    if (ifVersion === undefined) return this.files.inDir(() => writeFileAtomic(file, text(), newToken())).then(() => this.entered(session.tag, id, true));
    await this.entered(session.tag, id, true);
    return this.files.locked(id, 'write', async (tenure) => {
      const current = await this.files.read(id, Date.now());
      if (current?.version !== ifVersion) return false; // missing counts as a conflict: a logout sticks
      await tenure.commit(file, text());
      return true;
    });
  }

  /** Under the lock, so a compare-and-set in flight cannot bring the session back after it is gone. */
  async destroy(id: string, options: StoreDestroyOptions = {}): Promise<boolean> {
    if (!isSessionId(id)) return true;
    return this.files.locked(id, 'remove', async (tenure) => {
      if (options.ifVersion !== undefined) {
        const current = await this.files.read(id, Date.now());
        if (current && current.version !== options.ifVersion) return false;
      }
      await tenure.remove(this.files.path(id, 'json'));
      return true;
    });
  }

  /** Rewrites the record with the new expiry, under its lock; a missing session stays missing. */
  async touch(id: string, expiresAt: number): Promise<void> {
    if (!isSessionId(id)) return;
    await this.files.locked(id, 'write', async (tenure) => {
      const session = await this.files.read(id, Date.now());
      if (session) await tenure.commit(this.files.path(id, 'json'), serializeSessionFile({ ...session, expiresAt }, expiresAt));
    });
  }

  /** The tag's live sessions, from its own directory of entries (see TagEntries). */
  findTagged(tag: string): Promise<TaggedSession[]> {
    return this.tagEntries.find(tag);
  }

  /** Deletes expired and unreadable sessions, abandoned locks and crash leftovers; resolves how many sessions went. One run at a time. */
  prune(): Promise<number> {
    const run = async () => {
      let removed = 0;
      for (const id of await this.files.sweep()) removed += Number(await this.removeIfDead(id));
      await this.tagEntries.prune(); // after the sessions, whose removal makes their entries stale
      return removed;
    };
    return (this.pruning ??= run().finally(() => (this.pruning = undefined)));
  }

  /** Stops the prune timer and waits for a prune or sweep in flight. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.pruning?.catch(() => undefined), this.files.idle()]);
  }

  private async entered<R>(tag: string | undefined, id: string, result: R): Promise<R> {
    if (tag !== undefined) await this.files.inDir(() => this.tagEntries.add(tag, id));
    return result;
  }

  /** Checks without the lock first, so pruning live sessions never contends with requests. */
  private async removeIfDead(id: string): Promise<boolean> {
    if (await this.files.read(id, Date.now())) return false;
    const remove = async (tenure: Tenure) => !(await this.files.read(id, Date.now())) && tenure.remove(this.files.path(id, 'json'));
    return this.files.locked(id, 'remove', remove, false); // no mkdir: a directory removed meanwhile stays removed
  }

  private logFailure(what: string, error: unknown): void {
    new Logger('SessionModule').error(`FileStore could not ${what} ${this.dir}: ${String(error)}`, (error as Error)?.stack);
  }
}
