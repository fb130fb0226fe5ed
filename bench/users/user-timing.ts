import { newSessionId } from '../../lib/http/session-id.js';
import { UserSessions } from '../../lib/index.js';
import { resolveConfig } from '../../lib/session-config.js';
import type { SessionStore } from '../../lib/index.js';

/** What `list` and `destroyAll` cost for one user with `own` sessions, in a store holding `total`. */
export interface UserTiming {
  total: number;
  own: number;
  /** Median of the `list(user)` calls, ms. */
  listMs: number;
  /** Median of the `destroyAll(user)` calls (each on a fresh set of the user's sessions), ms. */
  destroyAllMs: number;
}

/** Loads `n` sessions tagged `tag` straight into the backend, in the store's own format; resolves their ids. */
export type LoadTagged = (tag: string, ids: string[]) => Promise<void>;

const SECRET = 'bench-users-secret-with-at-least-32-characters';

/** UserSessions over a bare store, as SessionModule would make it. */
export function userSessionsOver(store: SessionStore): UserSessions {
  return new UserSessions(resolveConfig({ secret: SECRET, store, idleTimeout: '1h' }));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Times `list` (several calls) and then `destroyAll` (`rounds` times, the
 * user's sessions loaded afresh before each) for one user with `own`
 * sessions. Checks each answer, so a fast wrong answer cannot pass.
 */
export async function timeUser(users: UserSessions, load: LoadTagged, total: number, own: number, rounds: number): Promise<UserTiming> {
  const lists: number[] = [];
  const destroys: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const tag = `bench-user-${own}-${round}-${Date.now()}`;
    const ids = Array.from({ length: own }, () => newSessionId());
    await load(tag, ids);
    for (let call = 0; call < (own >= 10_000 ? 3 : 10); call++) {
      const started = performance.now();
      const listed = await users.list(tag);
      lists.push(performance.now() - started);
      if (listed.length !== own) throw new Error(`list(${tag}) found ${listed.length} sessions, not ${own}`);
    }
    const started = performance.now();
    const destroyed = await users.destroyAll(tag);
    destroys.push(performance.now() - started);
    if (destroyed !== own) throw new Error(`destroyAll(${tag}) signed out ${destroyed} sessions, not ${own}`);
  }
  return { total, own, listMs: median(lists), destroyAllMs: median(destroys) };
}
