import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
// A real app imports this from 'nest-sessions'.
import { SessionManager } from '../../lib/index.js';
import type { AppFlash, AppSession } from '../app-session.js';

/** Thrown by SignedInGuard; SignInRedirectFilter turns it into a redirect to the sign-in form. */
export class SignInRequired extends Error {}

/**
 * Lets signed-in users through. It loads the session itself through
 * SessionManager rather than rely on the order guards run in; the handler
 * then receives the same session object. Otherwise it remembers the page for
 * after sign-in.
 */
@Injectable()
export class SignedInGuard implements CanActivate {
  constructor(private readonly sessions: SessionManager) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const session = await this.sessions.load<AppSession, AppFlash>(context);
    if (session.has('user.name')) return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (request.method === 'GET') session.set('returnTo', request.originalUrl);
    session.flash.set('warning', 'Please sign in to see that page.');
    throw new SignInRequired(); // what the guard wrote is still saved: the redirect commits it
  }
}
