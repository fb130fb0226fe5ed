import fastifySecureSession from '@fastify/secure-session';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash } from 'node:crypto';
import { BENCH_SECRET, main, runBenchApp } from './bench-app.js';
import { FastifySessionController } from './fastify-session-controller.js';

/**
 * @fastify/secure-session: the session sealed into the cookie with
 * libsodium's secretbox. Given a 32-byte key directly (a `secret` would run
 * a password hash once at start-up, not per request).
 */
@Module({ controllers: [FastifySessionController] })
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
