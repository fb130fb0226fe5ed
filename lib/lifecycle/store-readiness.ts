import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { ResolvedConfig } from '../session-config.js';
import { SESSION_CONFIG } from '../session.constants.js';

/**
 * Waits at start-up for every configured store that can tell when it is
 * ready (RedisStore connecting), so the first requests after `app.init()`
 * or `app.listen()` are served rather than answered 503.
 */
@Injectable()
export class StoreReadiness implements OnApplicationBootstrap {
  constructor(@Inject(SESSION_CONFIG) private readonly config: ResolvedConfig) {}

  async onApplicationBootstrap(): Promise<void> {
    const stores = new Set([...this.config.sessions.values()].map((session) => session.store));
    await Promise.all([...stores].map((store) => store.ready?.()));
  }
}
