import type { INestApplicationContext } from '@nestjs/common';
import { SessionConfigError } from '../errors/session-config.error.js';
import type { ResolvedConfig, ResolvedSession } from '../session-config.js';
import { SESSION_CONFIG } from '../session.constants.js';
import { DEFAULT_SESSION_NAME } from '../session.options.js';

/**
 * What the testing helpers need from a Nest app: its DI container. An
 * `INestApplication`, a `TestingModule` (before or after
 * `createNestApplication()`), or any other `INestApplicationContext`.
 */
export type SessionApp = Pick<INestApplicationContext, 'get'>;

/**
 * The resolved settings of session `name` in `app`: its store, cookie name,
 * signer or sealer and timeouts. Read through DI rather than rebuilt from
 * options, so a test sees exactly what the app uses, including a store
 * swapped in with `overrideProvider(SessionStore)` (the config's factory
 * injects that provider).
 */
export function sessionSettings(app: SessionApp, name = DEFAULT_SESSION_NAME): ResolvedSession {
  const session = configOf(app).sessions.get(name);
  if (!session) {
    const names = [...configOf(app).sessions.keys()].map((n) => `"${n}"`).join(', ');
    throw new SessionConfigError(`nest-sessions/testing: no session named "${name}" is configured in this app; configured: ${names}.`);
  }
  return session;
}

function configOf(app: SessionApp): ResolvedConfig {
  let config: ResolvedConfig | undefined;
  try {
    // Not strict: SessionModule does not export its config token, and the helpers may be handed the root module's context.
    config = app.get<symbol, ResolvedConfig>(SESSION_CONFIG, { strict: false });
  } catch {
    config = undefined; // Nest's "could not find" error names a symbol the user never wrote: say what is missing instead
  }
  if (!config?.sessions) {
    throw new SessionConfigError(
      'nest-sessions/testing: this app has no SessionModule. Import SessionModule.forRoot({ secret, ... }) (or the module that does) into the testing module the app was built from.',
    );
  }
  return config;
}
