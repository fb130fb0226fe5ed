import { Controller, Get } from '@nestjs/common';
// A real app imports this from 'nest-sessions'.
import { Session } from '../../lib/index.js';
import type { AppSession } from '../app-session.js';
import { Page } from '../layout/page.decorator.js';

@Controller()
export class HomeController {
  @Get()
  @Page('home')
  home(@Session() session: Session<AppSession>) {
    return { title: 'Home', visits: session.increment('visits') }; // counts, and saves, every visit
  }
}
