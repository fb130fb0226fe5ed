import fastifySecureSession from '@fastify/secure-session';
import { Controller, Get, Module, Post, Req } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash } from 'node:crypto';
import { BENCH_SECRET, main, runBenchApp } from './bench-app.js';

interface SessionLike {
  get(key: 'count'): number | undefined;
  set(key: 'count', value: number): void;
}
type Request = { session: SessionLike };

/**
 * @fastify/secure-session: the session sealed into the cookie with
 * libsodium's secretbox. Given a 32-byte key directly (a `secret` would run
 * a password hash once at start-up, not per request).
 */
@Controller()
class SecureSessionController {
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

@Module({ controllers: [SecureSessionController] })
class SecureSessionModule {}

main(() =>
  runBenchApp(SecureSessionModule, {
    configure: async (app) => {
      await (app as NestFastifyApplication).register(fastifySecureSession, {
        key: createHash('sha256').update(BENCH_SECRET).digest(),
        cookieName: 'session',
        expiry: 2 * 60 * 60,
        cookie: { path: '/', httpOnly: true, sameSite: 'lax' },
      });
    },
  }),
);
