import { Body, Controller, Get, Post, Redirect } from '@nestjs/common';
// A real app imports these from 'nest-sessions' (not @nestjs/common's Session).
import { Flash, Session, UserSessions, type FlashBag } from '../../lib/index.js';
import type { AppFlash, AppSession } from '../app-session.js';
import { localPath } from '../common/local-path.js';
import { Page } from '../layout/page.decorator.js';
import { checkSignIn, DEMO_PASSWORD, userIdOf } from './sign-in.form.js';

/** How long a "remember me" sign-in lasts without a visit; others end after the module's 2 hours. */
export const REMEMBER_FOR = '30d';

@Controller()
export class AuthController {
  constructor(private readonly userSessions: UserSessions) {}

  /** The form. After a failed attempt it shows the flashed errors and the old input, once. */
  @Get('sign-in')
  @Page('sign-in')
  form(@Flash() flash: FlashBag<AppFlash>) {
    const errors = flash.get('errors');
    // A summary for this render only: `now` does not carry it to the next request.
    if (errors) flash.now('danger', 'Sign-in failed: please check the highlighted fields.');
    return { title: 'Sign in', errors: errors ?? {}, old: flash.get('old', { name: '' }), demoPassword: DEMO_PASSWORD };
  }

  @Post('sign-in')
  @Redirect('/account', 303)
  async signIn(@Body() body: unknown, @Session() session: Session<AppSession>, @Flash() flash: FlashBag<AppFlash>) {
    const result = checkSignIn(body);
    if (!result.ok) {
      flash.set('errors', result.errors);
      flash.set('old', result.old);
      return { url: '/sign-in' };
    }
    await session.regenerate(); // a new id for the signed-in session: no session fixation (the cart comes along)
    const id = userIdOf(result.name);
    session.set('user', { id, name: result.name, signedInAt: Date.now(), remembered: result.remember });
    // Tagged with the user, so "Your devices" lists it (a CookieStore cannot: its sessions live in the browsers).
    if (this.userSessions.supported) session.tag(id);
    // Remembered: its own idle timeout and a cookie that outlives the browser; otherwise the module's 2 hours.
    session.setLifetime(result.remember ? REMEMBER_FOR : null);
    flash.set('success', `Welcome, ${result.name}! You are signed in.`);
    return { url: localPath(session.pop('returnTo'), '/account') };
  }

  @Post('sign-out')
  @Redirect('/', 303)
  async signOut(@Session() session: Session<AppSession>, @Flash() flash: FlashBag<AppFlash>) {
    await session.destroy(); // deleted from the store, cookie expired; the prefs session is untouched
    flash.set('success', 'You are signed out. Your theme stays: it lives in its own session.');
  }
}
