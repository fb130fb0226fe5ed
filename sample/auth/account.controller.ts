import { Controller, Get } from '@nestjs/common';
// A real app imports this from 'nest-sessions'.
import { Session } from '../../lib/index.js';
import type { AppSession } from '../app-session.js';
import { Page } from '../layout/page.decorator.js';
import { RequireSignIn } from './require-sign-in.decorator.js';

@Controller('account')
@RequireSignIn()
export class AccountController {
  @Get()
  @Page('account')
  show(@Session() session: Session<AppSession>) {
    const user = session.get('user')!; // the guard let us in, so it is there
    return {
      title: 'Your account',
      user,
      visits: session.get('visits', 0),
      cartCount: session.get('cart.items', []).length,
      sessionId: session.id,
      // setLifetime('30d') at sign-in: the session's own idle timeout, in days.
      rememberedDays: user.remembered ? Math.round(session.lifetimeMs / 86_400_000) : 0,
    };
  }
}
