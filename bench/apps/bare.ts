import { Controller, Get, Injectable, Module, Post, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
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
 * nothing. Not a session library: the floor any interceptor-based design
 * (nest-sessions mounts one) pays on Nest, shown for reference.
 */
@Injectable()
class NoopInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler) {
    return next.handle();
  }
}

@Module({
  controllers: [BareController],
  providers: env.store === 'interceptor' ? [{ provide: APP_INTERCEPTOR, useClass: NoopInterceptor }] : [],
})
class BareModule {}

main(() => runBenchApp(BareModule));
