import { isStoredSession, type StoredSession } from '../session-store.js';

/* How TypeOrmStore writes a session as a row of the `sessions` table and reads it back. */

/** What a row holds; bigint columns arrive as strings from PostgreSQL and as numbers from SQLite. */
export interface SessionRow {
  data: string;
  version: number | string;
  createdAt: number | string;
  expiresAt: number | string;
}

/** The columns a write sets; `tag` only when the table has that column (see TagColumn). */
export function rowValues(session: StoredSession, withTagColumn: boolean) {
  const { data, flash, idleMs, tag, device, movedTo } = session;
  return {
    // A lifetime, tag and device of its own ride with the data; the tag is also a column, written in the same statement, for findTagged.
    data: JSON.stringify({ data, flash, idleMs, tag, device, movedTo }),
    version: session.version,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    userId: userIdOf(data),
    ...(withTagColumn ? { tag: tag ?? null } : {}),
  };
}

/** A row as a StoredSession, or undefined when it is expired or does not parse. */
export function toSession(row: SessionRow, now: number): StoredSession | undefined {
  let parsed: { data?: unknown; flash?: unknown; idleMs?: unknown; tag?: unknown; device?: unknown; movedTo?: unknown };
  try {
    parsed = JSON.parse(row.data) as typeof parsed;
  } catch {
    return undefined;
  }
  const session = {
    data: parsed?.data,
    flash: parsed?.flash,
    createdAt: Number(row.createdAt),
    expiresAt: Number(row.expiresAt),
    version: Number(row.version),
    ...(parsed?.idleMs === undefined ? {} : { idleMs: parsed.idleMs }),
    ...(parsed?.tag === undefined ? {} : { tag: parsed.tag }),
    ...(parsed?.device === undefined ? {} : { device: parsed.device }),
    ...(parsed?.movedTo === undefined ? {} : { movedTo: parsed.movedTo }),
  };
  return isStoredSession(session) && session.expiresAt > now ? session : undefined;
}

/** `data.user.id`, else `data.userId`: a string, or a finite number as text; at most 255 characters. */
function userIdOf(data: Record<string, unknown>): string | null {
  const user = data.user;
  const candidates = [typeof user === 'object' && user !== null ? (user as Record<string, unknown>).id : undefined, data.userId];
  for (const candidate of candidates) {
    const text = typeof candidate === 'number' && Number.isFinite(candidate) ? String(candidate) : candidate;
    if (typeof text === 'string' && text.length > 0 && text.length <= 255) return text;
  }
  return null;
}
