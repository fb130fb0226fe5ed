// A real app imports this type from 'nest-sessions'.
import type { Session } from '../../lib/index.js';

export interface SessionFacts {
  name: string;
  cookie: string;
  store: string;
  idleTimeout: string;
  id: string;
  isNew: boolean;
  createdAt: Date;
  expiresAt: Date;
  data: unknown;
  flash: unknown;
}

/** Everything the session page shows about one session. */
export function describeSession(session: Session<any, any>, about: Pick<SessionFacts, 'name' | 'cookie' | 'store' | 'idleTimeout'>): SessionFacts {
  return {
    ...about,
    id: session.id,
    isNew: session.isNew,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    data: session.all(),
    flash: session.flash.all(),
  };
}
