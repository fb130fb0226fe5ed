import { Controller, Get, Post, Redirect } from '@nestjs/common';
// A real app imports these from 'nest-sessions'.
import { Flash, Session, type FlashBag } from '../../lib/index.js';
import type { AppFlash, AppSession, Prefs } from '../app-session.js';
import { SessionBackend } from '../config/session-backend.js';
import { SESSIONS } from '../config/session-options.js';
import { Page } from '../layout/page.decorator.js';
import { describeSession } from './describe-session.js';

/** What the current sessions hold, and buttons to regenerate or destroy the default one. */
@Controller('session')
export class SessionInspectorController {
  constructor(private readonly backend: SessionBackend) {}

  @Get()
  @Page('session')
  show(@Session() session: Session<AppSession>, @Session('prefs') prefs: Session<Prefs>) {
    return {
      title: 'Your session',
      sessions: [
        describeSession(session, { name: 'default', cookie: SESSIONS.default.cookie, store: this.backend.label, idleTimeout: SESSIONS.default.idleTimeout }),
        describeSession(prefs, {
          name: 'prefs',
          cookie: SESSIONS.prefs.cookie,
          store: `CookieStore (sealed into the ${SESSIONS.prefs.cookie} cookie)`,
          idleTimeout: SESSIONS.prefs.idleTimeout,
        }),
      ],
    };
  }

  @Post('regenerate')
  @Redirect('/session', 303)
  async regenerate(@Session() session: Session<AppSession>, @Flash() flash: FlashBag<AppFlash>) {
    const before = session.id;
    await session.regenerate();
    flash.set('success', `New id ${session.id.slice(0, 8)}… replaces ${before.slice(0, 8)}…; the data stayed and the old id is gone from the store.`);
  }

  @Post('destroy')
  @Redirect('/session', 303)
  async destroy(@Session() session: Session<AppSession>, @Flash() flash: FlashBag<AppFlash>) {
    await session.destroy();
    flash.set('warning', 'Session destroyed: you are signed out and the cart is empty. This message starts a fresh session.');
  }
}
