import { Controller, Get, Post, Redirect } from '@nestjs/common';
import { Flash, Session, type FlashBag } from '../lib/index.js';

interface SampleSession {
  visits: number;
}

@Controller()
export class VisitsController {
  @Get()
  home(@Session() session: Session<SampleSession>, @Flash() flash: FlashBag<{ notice: string }>) {
    const visits = session.increment('visits');
    return { visits, notice: flash.get('notice') ?? null, session: session.id };
  }

  @Post('reset')
  @Redirect('/', 303)
  async reset(@Session() session: Session<SampleSession>) {
    await session.destroy();
    session.flash.set('notice', 'Your visits were reset.');
  }
}
