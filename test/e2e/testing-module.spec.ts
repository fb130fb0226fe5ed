import { Controller, Get, HttpCode, Post, type INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, MemoryStore, Session, SessionModule, SessionStore } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS } from '../support/platforms.js';
import { failOnProcessErrors } from '../support/process-errors.js';

/**
 * Issue 19 item 8: the `SessionStore` provider is the source of truth, so a
 * user's test can swap it the Nest way, with
 * `Test.createTestingModule(...).overrideProvider(SessionStore)`.
 */
@Controller()
class CounterController {
  @Post('count')
  @HttpCode(200)
  count(@Session() session: Session) {
    return { n: session.increment('n') };
  }

  @Get('count')
  read(@Session() session: Session) {
    return { n: session.get('n') ?? 0 };
  }
}

/** The session id inside a browser's `sid` cookie (`<id>.<signature>`), to look the record up in a store. */
function sessionId(browser: Browser): string {
  const value = decodeURIComponent(browser.cookies.get('sid') ?? '');
  expect(value).not.toBe('');
  return value.slice(0, value.lastIndexOf('.'));
}

const replacements = [
  ['another MemoryStore', () => new MemoryStore()],
  ['a FileStore', () => new FileStore({ dir: mkdtempSync(join(tmpdir(), 'nest-sessions-override-')) })],
] as const;
const cases = PLATFORMS.flatMap((platform) => replacements.map(([name, make]) => [platform, name, make] as const));

describe.each(cases)('overrideProvider(SessionStore) on %s with %s', (platform, _name, makeReplacement) => {
  failOnProcessErrors();
  let configured: MemoryStore;
  let replacement: SessionStore;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    configured = new MemoryStore();
    replacement = makeReplacement();
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ secret: SECRET, store: configured })],
      controllers: [CounterController],
    })
      .overrideProvider(SessionStore)
      .useValue(replacement)
      .compile();
    app = moduleRef.createNestApplication(platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await replacement?.close?.();
  });

  it('saves sessions in the overriding store, not in the one forRoot was given', async () => {
    const browser = new Browser(url);
    expect((await browser.post('/count')).body).toEqual({ n: 1 });
    const id = sessionId(browser);
    expect((await replacement.get(id))?.data).toEqual({ n: 1 });
    expect(await configured.get(id)).toBeUndefined();
  });

  it('loads sessions from the overriding store', async () => {
    const browser = new Browser(url);
    expect((await browser.post('/count')).body).toEqual({ n: 1 });
    const id = sessionId(browser);
    const record = await replacement.get(id);
    expect(record).toBeDefined();
    const changed = { ...record!, data: { n: 41 }, version: record!.version + 1 };
    expect(await replacement.set(id, changed, { ttlMs: 60_000, ifVersion: record!.version })).toBe(true);
    expect((await browser.get('/count')).body).toEqual({ n: 41 });
    expect((await browser.post('/count')).body).toEqual({ n: 42 });
    expect((await replacement.get(id))?.data).toEqual({ n: 42 });
  });
});
