import { Logger } from '@nestjs/common';
// A real app imports these from 'nest-sessions'.
import { CookieStore, type SessionModuleOptions } from '../../lib/index.js';
import type { SampleConfig } from './sample-config.js';
import type { SessionBackend } from './session-backend.js';

/** Cookie names and lifetimes, shown on the session page too. */
export const SESSIONS = {
  default: { cookie: 'sid', idleTimeout: '2h' },
  prefs: { cookie: 'prefs', idleTimeout: '365d' },
} as const;

/**
 * The `forRootAsync` factory: the default session in the store chosen by
 * SESSION_STORE, and a named `prefs` session sealed into its own cookie, so
 * the theme survives sign-out (which destroys only the default session).
 */
export function sessionOptions(config: SampleConfig, backend: SessionBackend): SessionModuleOptions {
  if (config.developmentSecret) {
    new Logger('Sample').warn(
      'SESSION_SECRET is not set: signing cookies with the sample\'s DEVELOPMENT secret. ' +
        'Anyone who reads this repository can forge them. Set SESSION_SECRET (32+ random characters) anywhere but your own machine.',
    );
  }
  return {
    secret: config.secret,
    store: backend.store,
    cookie: { name: SESSIONS.default.cookie, sameSite: 'lax' },
    idleTimeout: SESSIONS.default.idleTimeout,
    // "Your devices" shows the browser and IP each session was created from.
    captureDevice: true,
    sessions: {
      prefs: { store: new CookieStore(), cookie: { name: SESSIONS.prefs.cookie }, idleTimeout: SESSIONS.prefs.idleTimeout },
    },
  };
}
