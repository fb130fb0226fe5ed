import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../../sample/app.module.js';
import { configureApp } from '../../../sample/app.setup.js';
import { SECRET } from '../../support/constants.js';

/** Collects what the app logs, so tests can read the start-up messages. */
export class CapturingLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  log(message: unknown): void {
    this.lines.push({ level: 'log', message: String(message) });
  }
  warn(message: unknown): void {
    this.lines.push({ level: 'warn', message: String(message) });
  }
  error(message: unknown): void {
    this.lines.push({ level: 'error', message: String(message) });
  }
  debug(): void {}
  verbose(): void {}
}

export interface RunningSample {
  app: NestExpressApplication;
  url: string;
  logger: CapturingLogger;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Boots the sample's AppModule on Express exactly as sample/main.ts does
 * (configureApp: hbs views, partials, stylesheet), on a free loopback port.
 * `env` is applied while the app starts (its config factory reads it then).
 * SAMPLE_DATA_DIR defaults to a fresh temporary directory, removed by
 * `close()`; SESSION_SECRET defaults to the tests' secret (pass
 * `SESSION_SECRET: undefined` to leave it unset).
 */
export async function startSample(env: Record<string, string | undefined> = {}): Promise<RunningSample> {
  const ownDir = env.SAMPLE_DATA_DIR === undefined;
  const dataDir = env.SAMPLE_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'nest-sessions-sample-'));
  const applied: Record<string, string | undefined> = { SESSION_SECRET: SECRET, SESSION_STORE: 'sqlite', ...env, SAMPLE_DATA_DIR: dataDir };
  const saved = Object.fromEntries(Object.keys(applied).map((key) => [key, process.env[key]]));
  setEnv(applied);
  const logger = new CapturingLogger();
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule, { logger, abortOnError: false });
  } finally {
    setEnv(saved);
  }
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const close = async () => {
    await app.close();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return { app, url: `http://127.0.0.1:${port}`, logger, dataDir, close };
}

function setEnv(values: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}
