import { Controller, Get, Injectable, Module, Post, type CallHandler, type ExecutionContext, type NestInterceptor, type Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { env, main, runBenchApp } from './bench-app.js';

/**
 * The baseline: the same four routes with no session at all, answering what
 * a session app answers for a fresh session. Every ratio in the table is
 * against this app on the same adapter.
 */
@Controller()
class BareController {
  @Get('read')
  read() {
    return { count: 0 };
  }

  @Post('write')
  write() {
    return { count: 1 };
  }

  @Get('create')
  create() {
    return { count: 1 };
  }

  @Get('none')
  none() {
    return { count: 0 };
  }
}

/**
 * BENCH_STORE=interceptor: the bare app plus one global interceptor that does
 * nothing: the floor of nest-sessions' design (a global interceptor), what
 * Nest charges before any session work.
 */
@Injectable()
class NoopInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler) {
    return next.handle();
  }
}

const FLOORS: Record<string, Provider[]> = {
  interceptor: [{ provide: APP_INTERCEPTOR, useClass: NoopInterceptor }],
};

@Module({
  controllers: [BareController],
  providers: FLOORS[env.store] ?? [],
})
class BareModule {}

main(() => runBenchApp(BareModule));
