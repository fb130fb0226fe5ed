import { Controller, Get, Post, Req } from '@nestjs/common';

/** What @fastify/session and @fastify/secure-session both put on `request.session`. */
interface SessionLike {
  get(key: 'count'): number | undefined;
  set(key: 'count', value: number): void;
}
type Request = { session: SessionLike };

/** The four bench routes over the `request.session` get/set API the two Fastify session plugins share. */
@Controller()
export class FastifySessionController {
  @Get('read')
  read(@Req() req: Request) {
    return { count: req.session.get('count') ?? 0 };
  }

  @Post('write')
  write(@Req() req: Request) {
    const count = (req.session.get('count') ?? 0) + 1;
    req.session.set('count', count);
    return { count };
  }

  @Get('create')
  create(@Req() req: Request) {
    const count = (req.session.get('count') ?? 0) + 1;
    req.session.set('count', count);
    return { count };
  }

  @Get('none')
  none() {
    return { count: 0 };
  }
}
