import { Controller, Get, Injectable, Module, Post, type CallHandler, type CanActivate, type ExecutionContext, type NestInterceptor, type Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
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
 * nothing. Not a session library: the floor any interceptor-based design
 * pays on Nest, shown for reference (and why nest-sessions loads in a guard).
 */
@Injectable()
class NoopInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler) {
    return next.handle();
  }
}

/**
 * BENCH_STORE=guard: the bare app plus one global guard that lets every
 * request through at once. The floor of nest-sessions' own design, which
 * loads sessions in such a guard: what Nest charges before any session work.
 */
@Injectable()
class NoopGuard implements CanActivate {
  canActivate(): true {
    return true;
  }
}

const FLOORS: Record<string, Provider[]> = {
  interceptor: [{ provide: APP_INTERCEPTOR, useClass: NoopInterceptor }],
  guard: [{ provide: APP_GUARD, useClass: NoopGuard }],
};

@Module({
  controllers: [BareController],
  providers: FLOORS[env.store] ?? [],
})
class BareModule {}

main(() => runBenchApp(BareModule));
