import 'reflect-metadata';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { counter, counters } from './app-stats.js';
import { startProfiling, stopProfiling } from './profiler.js';
import type { ChildMessage, ParentMessage } from '../support/ipc.js';
import type { Adapter } from '../variants.js';

/** Every bench app signs with this; 32+ characters as every library here wants. */
export const BENCH_SECRET = 'bench-secret-that-is-long-enough-0123456789';

/** What the parent passes to every app process. */
export const env = {
  adapter: (process.env.BENCH_ADAPTER ?? 'express') as Adapter,
  port: Number(process.env.PORT ?? 0),
  store: process.env.BENCH_STORE ?? 'memory',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
};

export interface BenchAppOptions {
  /** Registers middleware (Express) or plugins (Fastify) before the app listens. */
  configure?(app: INestApplication, adapter: Adapter): void | Promise<void>;
  /** Releases what the app opened (clients, databases) on shutdown. */
  close?(): void | Promise<void>;
}

/**
 * Boots one bench variant: a Nest 12 app on the adapter the parent asked
 * for, without logging, on the loopback port it was given. Tells the parent
 * over IPC when it listens, answers its requests for counters and CPU
 * profiles, and exits cleanly on SIGTERM.
 */
export async function runBenchApp(module: Type, options: BenchAppOptions = {}): Promise<void> {
  const app =
    env.adapter === 'express'
      ? await NestFactory.create<NestExpressApplication>(module, new ExpressAdapter(), { logger: false })
      : await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), { logger: false });
  await options.configure?.(app, env.adapter);
  await app.listen(env.port, '127.0.0.1');
  // Requests served, counted on the Node server itself (outside the framework), so store
  // counts divide by what the app handled, in-flight requests at the end of a run included.
  const requests = counter('requests');
  (app.getHttpServer() as Server).on('request', () => void requests.n++);
  const { port } = app.getHttpServer().address() as AddressInfo;

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    try {
      await app.close();
      await options.close?.();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'profile-start') void startProfiling().then(() => send({ type: 'profile-started' }));
    if (message.type === 'profile-stop') void stopProfiling(message.file).then(() => send({ type: 'profile-saved', file: message.file }));
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      send({ type: 'stats', counters: counters(), rss: process.memoryUsage().rss, cpuMicros: cpu.user + cpu.system });
    }
    if (message.type === 'stop') void shutdown();
  });
  process.on('disconnect', () => void shutdown()); // the parent died: do not linger
  send({ type: 'ready', port });
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Fails the process loudly: a bench app that cannot start must not hang the run. */
export function main(start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
