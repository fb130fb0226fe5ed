import { Logger } from '@nestjs/common';
import { callStore } from '../commit/call-store.js';
import { isLive } from '../commit/live-record.js';
import type { Session } from '../core/session.js';
import type { SessionState } from '../core/session-state.js';
import { toTag } from '../core/session-tag.js';
import { SessionConfigError } from '../errors/session-config.error.js';
import { SessionStoreUnavailableError } from '../errors/session-store-unavailable.error.js';
import { UserSessionsUnsupportedError } from '../errors/user-sessions-unsupported.error.js';
import { storeUnavailable } from '../lifecycle/session-committer.js';
import type { ResolvedConfig, ResolvedSession } from '../session-config.js';
import { DEFAULT_SESSION_NAME } from '../session.options.js';
import type { TaggedSession } from '../stores/session-store.js';
import { destroyTagged } from './destroy-tagged.js';
import { asDigest, sessionDigest } from './session-digest.js';
import { infoOf, type UserSessionInfo } from './user-session-info.js';

/** Deletes in flight at once for `destroyAll`: a user with thousands of sessions does not flood the store. */
const PARALLEL_DELETES = 16;

/** Options of `UserSessions.destroyAll`. */
export interface DestroyAllOptions {
  /** The session to keep: the current `Session` ("sign out other devices"), or a digest from `list()`. */
  except?: Session<any, any> | string;
}

/**
 * The sessions of one user, found through the tag `session.tag(userId)`
 * gave them: list them ("Your devices"), sign one out, or all of them (after
 * a password change, or all but the current one). Works on every server
 * store, at a cost bounded by that user's own sessions. Failures of the
 * store reject with a 503, as loads do. Provided (and exported) by
 * `SessionModule`: inject it.
 */
export class UserSessions {
  private readonly logger = new Logger('SessionModule');
  private readonly session: ResolvedSession;

  /** @internal SessionModule makes it; inject it rather than construct it. */
  constructor(private readonly config: ResolvedConfig, name = DEFAULT_SESSION_NAME) {
    const session = config.sessions.get(name);
    if (!session) throw new SessionConfigError(`No session named "${name}" is configured; UserSessions.of() takes one of: ${[...config.sessions.keys()].join(', ')}.`);
    this.session = session;
  }

  /** Whether this session's store can find a user's sessions: false for a CookieStore or NullStore (their methods then throw). */
  get supported(): boolean {
    return this.session.taggable;
  }

  /** The same, for the named session `name` (`@Session('name')`). */
  of(name: string): UserSessions {
    return new UserSessions(this.config, name);
  }

  /** The user's live sessions, most recently seen first. */
  async list(userId: string | number): Promise<UserSessionInfo[]> {
    const now = Date.now();
    const found = await this.find(toTag(userId, 'UserSessions.list(userId)'));
    return found.map((one) => infoOf(one, this.session, now)).sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
  }

  /** Signs out one session of the user, named by its digest (`list()`'s `id`) or its id; resolves whether it was there. */
  async destroy(userId: string | number, idOrDigest: string): Promise<boolean> {
    const tag = toTag(userId, 'UserSessions.destroy(userId, id)');
    const digest = asDigest(String(idOrDigest));
    const target = (await this.find(tag)).find(({ id }) => sessionDigest(id) === digest);
    return target !== undefined && this.guarded(() => destroyTagged(this.session, target, tag, this.config.maxCommitAttempts));
  }

  /**
   * Signs out every session of the user, but `except` ("sign out other
   * devices"); resolves how many. A session tagged while it runs is either
   * found and signed out, or tagged after it looked.
   */
  async destroyAll(userId: string | number, options: DestroyAllOptions = {}): Promise<number> {
    const tag = toTag(userId, 'UserSessions.destroyAll(userId)');
    const keep = keptDigests(options.except);
    const targets = (await this.find(tag)).filter(({ id }) => !keep.has(sessionDigest(id)));
    let destroyed = 0;
    const work = async () => {
      for (let next = targets.pop(); next; next = targets.pop()) {
        const found = next;
        if (await this.guarded(() => destroyTagged(this.session, found, tag, this.config.maxCommitAttempts))) destroyed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_DELETES, targets.length) }, work));
    return destroyed;
  }

  /** The digest `list()` shows for a session (or an id): mark "this device" with it. */
  digestOf(session: Session<any, any> | string): string {
    return typeof session === 'string' ? asDigest(session) : sessionDigest(session.id);
  }

  /** The tag's live sessions (markers and records tagged otherwise left out, whatever the store answered). */
  private async find(tag: string): Promise<TaggedSession[]> {
    const { store, taggable, name, storeName } = this.session;
    if (!taggable || typeof store.findTagged !== 'function') throw new UserSessionsUnsupportedError(name, storeName);
    const found = await this.guarded(() => callStore(this.session, 'findTagged', () => store.findTagged!(tag)));
    const now = Date.now();
    return found.filter(({ session }) => isLive(session, now, this.session) && session.movedTo === undefined && session.tag === tag);
  }

  /** A store failure is logged once and rejects as the 503 the client should get. */
  private async guarded<R>(work: () => Promise<R>): Promise<R> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof SessionStoreUnavailableError)) throw error;
      this.logger.error(error.message, error.stack);
      throw storeUnavailable(error);
    }
  }
}

/** The digests `except` names: a session's current id and, when this request regenerated it, the id it was loaded under. */
function keptDigests(except: Session<any, any> | string | undefined): Set<string> {
  if (except === undefined) return new Set();
  if (typeof except === 'string') return new Set([asDigest(except)]);
  const state = (except as unknown as { state: SessionState }).state;
  const ids = [state.id, state.storedId, state.moveFrom?.id].filter((id): id is string => id !== undefined);
  return new Set(ids.map(sessionDigest));
}
