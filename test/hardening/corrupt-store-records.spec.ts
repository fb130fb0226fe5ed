import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { FileStore, isStoredSession, SessionModule, type SessionStore } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { CreateSessionTable, TypeOrmStore } from '../../lib/typeorm.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { databaseUrl } from '../support/postgres.js';
import { redisUrl } from '../support/redis.js';
import { HardeningController } from './fixtures/hardening.controller.js';
import { printableMutation } from './fixtures/mutations.js';

/**
 * Records read back from a real store can be anything: a disk bit rot, a
 * half-migrated schema, another program writing the same keys, an attacker
 * with write access to the store. Whatever is there, a store answers "no
 * session" or a well-formed record, and a request answers with a fresh session.
 */
const MINUTE = 60_000;

/** What ends up where a record should be: raw text, or a record-like value with broken fields. */
type Corruption = { kind: 'raw'; text: string } | { kind: 'record'; value: Record<string, unknown> };

interface CorruptibleStore {
  name: string;
  store: SessionStore;
  /** Puts the corruption where the store keeps the record of `id`, in the store's own format. */
  corrupt(id: string, corruption: Corruption): Promise<void>;
  close(): Promise<void>;
}

const now = () => Date.now();
const validRecord = () => ({ data: { owner: 'A', list: [1, 2] }, flash: { note: 'hi' }, createdAt: now(), expiresAt: now() + MINUTE, version: 3 });

const brokenField = fc.oneof(
  fc.constantFrom(null, undefined, true, 'text', '', [], [1], {}, -1, 0, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, -0),
  fc.jsonValue({ maxDepth: 2 }),
);
const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.string({ maxLength: 200 }).map((text) => ({ kind: 'raw' as const, text })),
  printableMutation(JSON.stringify(validRecord())).map((text) => ({ kind: 'raw' as const, text })),
  fc.constantFrom('null', '[]', '{}', '""', '0', 'true', '{"data":{}}', '{"version":1,"expiresAt":1,').map((text) => ({ kind: 'raw' as const, text })),
  fc
    .record({ field: fc.constantFrom('data', 'flash', 'createdAt', 'expiresAt', 'version'), value: brokenField, drop: fc.boolean() })
    .map(({ field, value, drop }) => {
      const record: Record<string, unknown> = validRecord();
      if (drop) delete record[field];
      else record[field] = value;
      return { kind: 'record' as const, value: record };
    }),
);

const sqlSafe = (text: string) => text.replace(/\0/g, ''); // PostgreSQL text cannot hold NUL

async function fileStore(): Promise<CorruptibleStore> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-corrupt-'));
  return {
    name: 'FileStore',
    store: new FileStore({ dir, pruneIntervalMs: 0 }),
    corrupt: (id, c) =>
      writeFile(join(dir, `${id}.json`), c.kind === 'raw' ? c.text : JSON.stringify({ deadline: now() + MINUTE, session: c.value }), { mode: 0o600 }),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

async function redisStore(): Promise<CorruptibleStore> {
  const client = new Redis(redisUrl());
  const prefix = `corrupt-${randomBytes(4).toString('hex')}:`;
  return {
    name: 'RedisStore',
    store: new RedisStore({ client, prefix }),
    async corrupt(id, c) {
      // A record-like value keeps the header RedisStore writes, so the shape checks (not the header check) must catch it.
      const text = c.kind === 'raw' ? c.text : JSON.stringify({ version: c.value.version, expiresAt: c.value.expiresAt, ...c.value });
      await client.set(prefix + id, text, 'PX', MINUTE);
    },
    close: async () => void (await client.quit()),
  };
}

async function sqlStore(name: string, options: ConstructorParameters<typeof DataSource>[0], cleanup = async () => {}): Promise<CorruptibleStore> {
  const dataSource = await new DataSource(options).initialize();
  const runner = dataSource.createQueryRunner();
  if (!(await runner.hasTable('sessions'))) await new CreateSessionTable().up(runner);
  await runner.release();
  const postgres = options.type === 'postgres';
  const p = (i: number) => (postgres ? `$${i}` : '?');
  return {
    name,
    store: new TypeOrmStore({ dataSource, pruneIntervalMs: 0 }),
    async corrupt(id, c) {
      const value = c.kind === 'record' ? c.value : validRecord();
      const data = c.kind === 'raw' ? sqlSafe(c.text) : sqlSafe(JSON.stringify({ data: value.data, flash: value.flash }));
      const int = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? v : fallback);
      const version = c.kind === 'record' ? int(value.version, -7) : 1; // the column is an integer: non-integers become a negative version
      await dataSource.query(`DELETE FROM "sessions" WHERE "id" = ${p(1)}`, [id]);
      await dataSource.query(
        `INSERT INTO "sessions" ("id", "data", "version", "createdAt", "expiresAt", "userId") VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, NULL)`,
        [id, data, version, int(value.createdAt, now()), now() + MINUTE],
      );
    },
    close: async () => {
      await dataSource.destroy();
      await cleanup();
    },
  };
}

async function sqliteStore(): Promise<CorruptibleStore> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-corrupt-sqlite-'));
  return sqlStore('TypeOrmStore on SQLite', { type: 'better-sqlite3', database: join(dir, 'sessions.sqlite') }, () => rm(dir, { recursive: true, force: true }));
}

const postgresStore = () => sqlStore('TypeOrmStore on PostgreSQL', { type: 'postgres', url: databaseUrl() });

const STORES: [string, () => Promise<CorruptibleStore>][] = [
  ['FileStore', fileStore],
  ['TypeOrmStore on SQLite', sqliteStore],
  ['TypeOrmStore on PostgreSQL', postgresStore],
  ['RedisStore', redisStore],
];

describe.each(STORES)('corrupt records read back from %s', (_name, open) => {
  let subject: CorruptibleStore;

  beforeAll(async () => {
    subject = await open();
  });
  afterAll(() => subject.close());

  it('get() resolves "no session" or a well-formed record for 120 corruptions, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(corruption, async (c) => {
        const id = randomBytes(32).toString('base64url');
        await subject.corrupt(id, c);
        const read = await subject.store.get(id);
        expect(read === undefined || isStoredSession(read)).toBe(true);
      }),
      { numRuns: 120 },
    );
  });

  it('a record stored with a __proto__ key pollutes nothing: the key stays data or is dropped, never a prototype', async () => {
    const id = randomBytes(32).toString('base64url');
    const text = '{"__proto__":{"isAdmin":true},"user":{"__proto__":{"isAdmin":true}}}';
    const value = { ...validRecord(), data: JSON.parse(text), flash: JSON.parse('{"__proto__":{"isAdmin":true}}') };
    await subject.corrupt(id, { kind: 'record', value });
    const read = await subject.store.get(id);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    if (read) {
      expect(Object.getPrototypeOf(read.data)).toBe(Object.prototype);
      expect((read.data as Record<string, unknown>).isAdmin).toBeUndefined();
    }
  });
});

describe.each(PLATFORMS)('a session whose record got corrupted, over HTTP on %s', (platform) => {
  describe.each(STORES)('%s', (_name, open) => {
    let subject: CorruptibleStore;
    let running: RunningApp;

    beforeAll(async () => {
      subject = await open();
      running = await startApp(platform, {
        imports: [SessionModule.forRoot({ secret: SECRET, store: subject.store })],
        controllers: [HardeningController],
      });
    });
    afterAll(async () => {
      await running.close();
      await subject.close();
    });

    it('answers 25 corruptions with a fresh empty session (200, a new id), and a write afterwards works', async () => {
      await fc.assert(
        fc.asyncProperty(corruption, async (c) => {
          const browser = new Browser(running.url);
          const created = await browser.post('/h/seed', { values: { owner: 'A' } });
          expect(created.status).toBe(200);
          await subject.corrupt(created.body.id, c);
          const read = await browser.get('/h/read');
          expect(read.status).toBe(200);
          if (read.body.isNew) {
            expect(read.body.data).toEqual({});
            expect(read.body.id).not.toBe(created.body.id);
          } else {
            expect(read.body.id).toBe(created.body.id); // the corruption left a well-formed record
          }
          const written = await browser.post('/h/write', { path: 'after', value: 1 });
          expect(written.status).toBe(200);
          expect((await browser.get('/h/read')).body.data).toMatchObject({ after: 1 });
        }),
        { numRuns: 25 },
      );
    });

    it('a record with __proto__ keys in data and flash reaches no prototype: not the handler\'s objects, not Object.prototype', async () => {
      const browser = new Browser(running.url);
      const created = await browser.post('/h/seed', { values: { owner: 'A' } });
      const poisoned = JSON.parse('{"__proto__":{"isAdmin":true},"user":{"__proto__":{"isAdmin":true}}}');
      await subject.corrupt(created.body.id, { kind: 'record', value: { ...validRecord(), data: poisoned, flash: JSON.parse('{"__proto__":{"isAdmin":true}}') } });
      const probe = await browser.get('/h/probe');
      expect(probe.status).toBe(200);
      expect(probe.body).toMatchObject({ get: null, has: false, nested: null, all: null, allUser: null, allPrototypeIsPlain: true, flash: null, global: null });
      expect(probe.body.objectPrototypeKeys).toBe(Object.getOwnPropertyNames(Object.prototype).length);
    });
  });
});

describe.each(PLATFORMS)('a record the store cannot read at all, over HTTP on %s', (platform) => {
  it.each([
    ['a Redis key of another type (WRONGTYPE)', 'redis'],
    ['a directory where FileStore expects the session file (EISDIR)', 'file'],
  ])('%s is a typed store error: 503 naming the store, never a 500, and the next request works', async (_label, kind) => {
    const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-unreadable-'));
    const client = new Redis(redisUrl());
    const prefix = `unreadable-${randomBytes(4).toString('hex')}:`;
    const store = kind === 'redis' ? new RedisStore({ client, prefix }) : new FileStore({ dir, pruneIntervalMs: 0 });
    const running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store })], controllers: [HardeningController] });
    try {
      const browser = new Browser(running.url);
      const created = await browser.post('/h/seed', { values: { owner: 'A' } });
      if (kind === 'redis') {
        await client.del(prefix + created.body.id);
        await client.hset(prefix + created.body.id, 'version', '1');
      } else {
        await rm(join(dir, `${created.body.id}.json`));
        await mkdir(join(dir, `${created.body.id}.json`));
      }
      const read = await browser.get('/h/read');
      expect(read.status).toBe(503);
      expect(read.body.message).toMatch(/session store is unavailable/i);
      expect((await new Browser(running.url).post('/h/write', { path: 'x', value: 1 })).status).toBe(200);
    } finally {
      await running.close();
      await client.quit();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
