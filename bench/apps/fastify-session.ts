import fastifyCookie from '@fastify/cookie';
import fastifySession, { MemoryStore } from '@fastify/session';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { countCalls } from './app-stats.js';
import { BENCH_SECRET, main, runBenchApp } from './bench-app.js';
import { FastifySessionController } from './fastify-session-controller.js';

/**
 * @fastify/session with its in-memory store, set to its cheapest correct
 * behaviour: saveUninitialized and rolling off (both default on), so reads
 * neither save nor re-send the cookie.
 */
@Module({ controllers: [FastifySessionController] })
class FastifySessionModule {}

main(() =>
  runBenchApp(FastifySessionModule, {
    configure: async (app) => {
      const fastify = app as NestFastifyApplication;
      await fastify.register(fastifyCookie);
      await fastify.register(fastifySession, {
        secret: BENCH_SECRET,
        cookieName: 'sid',
        cookie: { secure: false, httpOnly: true, sameSite: 'lax', maxAge: 2 * 60 * 60 * 1000 },
        store: countCalls(new MemoryStore(), ['get', 'set', 'destroy'], 'store '),
        saveUninitialized: false,
        rolling: false,
      });
    },
  }),
);
