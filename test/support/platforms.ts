import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

export interface RunningApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * Boots a real Nest app through `@nestjs/testing` on a real adapter, listening
 * on a free loopback port, with proxies trusted so tests can claim HTTPS
 * through X-Forwarded-Proto. `override` may swap providers, as users' tests do.
 */
export async function startApp(
  platform: Platform,
  metadata: ModuleMetadata,
  configure?: (app: INestApplication) => void | Promise<void>,
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder,
): Promise<RunningApp> {
  const builder = Test.createTestingModule(metadata);
  const moduleRef = await (override ? override(builder) : builder).compile();
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter({ trustProxy: true });
  const app = moduleRef.createNestApplication(adapter, { logger: false, abortOnError: false });
  if (platform === 'express') (app.getHttpAdapter().getInstance() as { set(k: string, v: unknown): void }).set('trust proxy', true);
  await configure?.(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
