import { Controller, Get } from '@nestjs/common';
import { Flash, FlashBag, Session } from 'nest-sessions';
import { AppService } from './app.service';

@Controller()
export class AppController {
  constructor(private readonly appService: AppService) {}

  @Get()
  getHello(): string {
    return this.appService.getHello();
  }

  /** One session round trip: a counter kept in the session, and a flash message read on the next visit. */
  @Get('visit')
  visit(
    @Session() session: Session<{ visits?: number }>,
    @Flash() flash: FlashBag<{ notice: string }>,
  ): { visits: number; notice: string | null } {
    const visits = session.increment('visits');
    const notice = flash.get('notice') ?? null;
    flash.set('notice', 'hi');
    return { visits, notice };
  }
}
