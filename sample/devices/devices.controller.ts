import { Controller, Get, Param, Post, Redirect } from '@nestjs/common';
// A real app imports these from 'nest-sessions'.
import { Flash, Session, UserSessions, type FlashBag } from '../../lib/index.js';
import type { AppFlash, AppSession } from '../app-session.js';
import { RequireSignIn } from '../auth/require-sign-in.decorator.js';
import { SessionBackend } from '../config/session-backend.js';
import { Page } from '../layout/page.decorator.js';
import { describeDevice } from './describe-device.js';

/**
 * "Your devices": every session of the signed-in user, found through the tag
 * sign-in gave it, with buttons to sign one out or all the others.
 */
@Controller('account/devices')
@RequireSignIn()
export class DevicesController {
  constructor(
    private readonly userSessions: UserSessions,
    private readonly backend: SessionBackend,
  ) {}

  @Get()
  @Page('devices')
  async list(@Session() session: Session<AppSession>) {
    const title = 'Your devices';
    // A CookieStore keeps each session in its browser: nothing on the server can list them.
    if (!this.userSessions.supported) return { title, supported: false, store: this.backend.label };
    const current = this.userSessions.digestOf(session);
    const devices = (await this.userSessions.list(session.get('user.id')!)).map((info) => describeDevice(info, current));
    return { title, supported: true, devices, others: devices.filter((device) => !device.current).length };
  }

  @Post('sign-out-others')
  @Redirect('/account/devices', 303)
  async signOutOthers(@Session() session: Session<AppSession>, @Flash() flash: FlashBag<AppFlash>) {
    const count = await this.userSessions.destroyAll(session.get('user.id')!, { except: session });
    flash.set('success', count === 1 ? 'Signed out 1 other device.' : `Signed out ${count} other devices.`);
  }

  @Post(':id/sign-out')
  @Redirect('/account/devices', 303)
  async signOutOne(@Session() session: Session<AppSession>, @Flash() flash: FlashBag<AppFlash>, @Param('id') id: string) {
    if (id === this.userSessions.digestOf(session)) {
      flash.set('warning', 'That is this device: use “Sign out” at the top to sign out here.');
      return;
    }
    // Scoped to this user: a digest of someone else's session signs nothing out.
    const done = await this.userSessions.destroy(session.get('user.id')!, id);
    if (done) flash.set('success', 'That device is signed out: its next request finds no session.');
    else flash.set('warning', 'That device was already signed out.');
  }
}
