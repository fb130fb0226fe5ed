import { isStoredSession, type StoredSession } from '../session-store.js';

/** One session file: the record, plus the store's own deadline from `ttlMs` (the record's `expiresAt` is the manager's). */
export interface SessionFile {
  deadline: number;
  session: StoredSession;
}

/** The file's text. Every field of the record is kept, the module's own (idleMs, tag, device, movedTo) included. */
export function serializeSessionFile({ data, flash, createdAt, expiresAt, version, idleMs, tag, device, movedTo }: StoredSession, deadline: number): string {
  const file: SessionFile = { deadline, session: { data, flash, createdAt, expiresAt, version, idleMs, tag, device, movedTo } };
  return JSON.stringify(file);
}

/** The file, or undefined for anything that is not one (corrupt, foreign, half a file): never a throw. */
export function parseSessionFile(text: string): SessionFile | undefined {
  let value: Partial<SessionFile> | null;
  try {
    value = JSON.parse(text) as Partial<SessionFile> | null;
  } catch {
    return undefined;
  }
  return Number.isFinite(value?.deadline) && isStoredSession(value?.session) ? (value as SessionFile) : undefined;
}
