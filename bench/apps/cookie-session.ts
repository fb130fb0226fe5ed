import { Controller, Get, Module, Post, Req } from '@nestjs/common';
import cookieSession from 'cookie-session';
import { BENCH_SECRET, main, runBenchApp } from './bench-app.js';

type Request = { session: { count?: number } | null };

/** cookie-session: the whole session, signed (not encrypted), in the cookie; Express only. */
@Controller()
class CookieSessionController {
  @Get('read')
  read(@Req() req: Request) {
    return { count: req.session?.count ?? 0 };
  }

  @Post('write')
  write(@Req() req: Request) {
    const session = req.session!;
    session.count = (session.count ?? 0) + 1;
    return { count: session.count };
  }

  @Get('create')
  create(@Req() req: Request) {
    const session = req.session!;
    session.count = (session.count ?? 0) + 1;
    return { count: session.count };
  }

  @Get('none')
  none() {
    return { count: 0 };
  }
}

@Module({ controllers: [CookieSessionController] })
class CookieSessionModule {}

main(() =>
  runBenchApp(CookieSessionModule, {
    configure: (app) => {
      app.use(cookieSession({ name: 'session', keys: [BENCH_SECRET], maxAge: 2 * 60 * 60 * 1000 }));
    },
  }),
);
