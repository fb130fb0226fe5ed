import { createHash } from 'node:crypto';
import { mkdir, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSessionId } from '../../http/session-id.js';
import type { StoredSession, TaggedSession } from '../session-store.js';
import { isErrno, unlinkIfPresent } from './fs-helpers.js';

/**
 * FileStore's index of tagged sessions: `<dir>/tags/<sha256 of the tag>/<id>`,
 * one empty file per session a tag was written with. Finding a user's
 * sessions reads one directory, however many sessions the store holds.
 *
 * Entries are a superset of the tag's sessions, checked against the records
 * when read. They are never written in place, so no lock: FileStore adds an
 * entry before a compare-and-set (the record can only carry the tag once the
 * entry exists) and after the first write of a new id (so an entry whose
 * record is missing belongs to a session destroyed or expired, which never
 * comes back). That is the only case an entry is removed in: an entry whose
 * record is tagged otherwise may be about to be tagged again.
 */
export class TagEntries {
  constructor(
    private readonly root: string,
    /** The live record of an id, as FileStore reads it (undefined: missing, expired or unreadable). */
    private readonly read: (id: string) => Promise<StoredSession | undefined>,
  ) {}

  /** Records that `id` was written with `tag`. */
  async add(tag: string, id: string): Promise<void> {
    const dir = this.dirOf(tag);
    for (let attempt = 1; ; attempt++) {
      try {
        return await writeFile(join(dir, id), '', { mode: 0o600 });
      } catch (error) {
        if (!isErrno(error, 'ENOENT') || attempt === 3) throw error;
        await mkdir(dir, { recursive: true, mode: 0o700 }); // the tag's first entry, or prune removed its empty directory meanwhile
      }
    }
  }

  /** The tag's live sessions, checked against their records; entries of sessions gone for good are dropped on the way. */
  async find(tag: string): Promise<TaggedSession[]> {
    const dir = this.dirOf(tag);
    const found: TaggedSession[] = [];
    for (const id of await entriesIn(dir)) {
      const session = await this.read(id);
      if (!session || session.movedTo !== undefined) await unlinkIfPresent(join(dir, id));
      else if (session.tag === tag) found.push({ id, session });
    }
    return found;
  }

  /** Removes the entries of sessions gone for good, under every tag, and tag directories left empty. */
  async prune(): Promise<void> {
    let tags: string[];
    try {
      tags = await readdir(this.root);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw error;
    }
    for (const tag of tags) {
      const dir = join(this.root, tag);
      for (const id of await entriesIn(dir)) {
        const session = await this.read(id);
        if (!session || session.movedTo !== undefined) await unlinkIfPresent(join(dir, id));
      }
      // Fails unless empty; an add racing with it makes the directory again.
      await rmdir(dir).catch(() => undefined);
    }
  }

  private dirOf(tag: string): string {
    return join(this.root, createHash('sha256').update(tag).digest('hex'));
  }
}

/** The ids entered in one tag's directory ([] once it is gone). */
async function entriesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(isSessionId);
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return [];
    throw error;
  }
}
