import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { isSessionId } from '../http/session-id.js';
import { isStoredSession, type SessionStore, type StoreDestroyOptions, type StoreSetOptions, type StoredSession, type TaggedSession } from './session-store.js';
import { breakStaleLock, withFileLock } from './file/file-lock.js';
import { TagEntries } from './file/tag-entries.js';
import { isErrno, unlinkIfPresent, writeFileAtomic } from './file/fs-helpers.js';

export interface FileStoreOptions {
  /** Directory holding one `<id>.json` per session; created with mode 0700 if absent. Give it to this store alone. */
  dir: string;
  /** How often expired sessions and crash leftovers are deleted, in ms; 0 disables (call `prune()` yourself). @default 600_000 */
  pruneIntervalMs?: number;
}

/** One session file: the record, plus the store's own deadline from `ttlMs` (the record's `expiresAt` is the manager's). */
interface SessionFile {
  deadline: number;
  session: StoredSession;
}

/** Temp files and lock guards older than this belong to a writer that crashed. */
const LEFTOVER_AGE_MS = 60_000;
/** setInterval turns anything longer into 1 ms: refuse it rather than prune in a busy loop. */
const MAX_INTERVAL_MS = 2 ** 31 - 1;

/**
 * Sessions as files in one directory: survives restarts and is shared by every
 * process on the machine (cluster workers, several app instances) without a
 * database. Writes are atomic (temp file + rename); compare-and-set takes a
 * per-session lock file, so it stays correct across processes; expired files
 * are pruned on an unref'd timer, since a file system has no TTL of its own.
 */
export class FileStore implements SessionStore {
  readonly dir: string;
  private readonly timer: NodeJS.Timeout | undefined;
  private dirReady: Promise<unknown> | undefined;
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
    this.tagEntries = new TagEntries(join(this.dir, 'tags'), (id) => this.read(id, Date.now()));
    if (interval > 0) {
      this.timer = setInterval(() => {
        this.prune().catch((error: unknown) =>
          new Logger('SessionModule').error(`FileStore could not prune ${this.dir}: ${String(error)}`, (error as Error)?.stack),
        );
      }, interval);
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
    const write = async () => {
      await this.write(id, session, Math.ceil(Date.now() + ttlMs));
      return true;
    };
    // A brand-new id has nothing to compare with: the atomic rename is enough, no lock needed.
    // Its tag entry comes after the record, an existing id's before it (see TagEntries).
    if (ifVersion === undefined) return this.inDir(write).then((done) => this.entered(session.tag, id, done));
    await this.entered(session.tag, id, true);
    return this.locked(id, async () => {
      const current = await this.read(id, Date.now());
      return current?.version === ifVersion && write(); // missing counts as a conflict: a logout sticks
    });
  }

  /** Under the lock, so a compare-and-set in flight cannot bring the session back after it is gone. */
  async destroy(id: string, options: StoreDestroyOptions = {}): Promise<boolean> {
    if (!isSessionId(id)) return true;
    return this.locked(id, async () => {
      if (options.ifVersion !== undefined) {
        const current = await this.read(id, Date.now());
        if (current && current.version !== options.ifVersion) return false;
      }
      await unlinkIfPresent(this.path(id, 'json'));
      return true;
    });
  }

  async touch(id: string, expiresAt: number): Promise<void> {
    if (!isSessionId(id)) return;
    await this.locked(id, async () => {
      const session = await this.read(id, Date.now());
      if (session) await this.write(id, { ...session, expiresAt }, expiresAt);
    });
  }

  /** The tag's live sessions, from its own directory of entries (see TagEntries). */
  findTagged(tag: string): Promise<TaggedSession[]> {
    return this.tagEntries.find(tag);
  }

  /** Deletes expired and unreadable sessions, stale locks and crash leftovers; resolves how many sessions went. One run at a time. */
  prune(): Promise<number> {
    // Tag entries after the sweep, which removes the sessions that make them stale.
    const run = () => this.sweep().then(async (removed) => (await this.tagEntries.prune(), removed));
    return (this.pruning ??= run().finally(() => (this.pruning = undefined)));
  }

  private async entered<R>(tag: string | undefined, id: string, result: R): Promise<R> {
    if (tag !== undefined) await this.inDir(() => this.tagEntries.add(tag, id));
    return result;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pruning?.catch(() => undefined);
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

  private write(id: string, { data, flash, createdAt, expiresAt, version, idleMs, tag, device, movedTo }: StoredSession, deadline: number): Promise<void> {
    const file: SessionFile = { deadline, session: { data, flash, createdAt, expiresAt, version, idleMs, tag, device, movedTo } };
    return writeFileAtomic(this.path(id, 'json'), JSON.stringify(file));
  }

  private locked<R>(id: string, critical: () => Promise<R>): Promise<R> {
    return this.inDir(() => withFileLock(this.path(id, 'lock'), critical));
  }

  /**
   * Creates the directory on first write rather than in the constructor, so a
   * volume mounted late or removed and restored only fails the requests made
   * meanwhile: any failure forgets the directory and the next write makes it again.
   */
  private async inDir<R>(operation: () => Promise<R>): Promise<R> {
    try {
      await (this.dirReady ??= mkdir(this.dir, { recursive: true, mode: 0o700 }));
      return await operation();
    } catch (error) {
      this.dirReady = undefined;
      throw error;
    }
  }

  private async sweep(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return 0;
      throw error;
    }
    let removed = 0;
    for (const name of names) {
      const id = name.split('.', 1)[0];
      if (!isSessionId(id)) continue; // not ours: leave it alone
      if (name === `${id}.json`) removed += Number(await this.removeIfDead(id));
      else if (name === `${id}.lock`) await breakStaleLock(join(this.dir, name));
      else await removeIfOlder(join(this.dir, name), LEFTOVER_AGE_MS); // a temp file or lock guard of a crashed writer
    }
    return removed;
  }

  /** Checks without the lock first, so pruning live sessions never contends with requests. */
  private async removeIfDead(id: string): Promise<boolean> {
    if (await this.read(id, Date.now())) return false;
    return withFileLock(this.path(id, 'lock'), async () => {
      return !(await this.read(id, Date.now())) && unlinkIfPresent(this.path(id, 'json'));
    });
  }
}

function parseSessionFile(text: string): SessionFile | undefined {
  let value: Partial<SessionFile> | null;
  try {
    value = JSON.parse(text) as Partial<SessionFile> | null;
  } catch {
    return undefined;
  }
  return Number.isFinite(value?.deadline) && isStoredSession(value?.session) ? (value as SessionFile) : undefined;
}

async function removeIfOlder(path: string, ageMs: number): Promise<void> {
  try {
    if (Date.now() - (await stat(path)).mtimeMs >= ageMs) await unlinkIfPresent(path);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
}
