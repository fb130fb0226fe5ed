import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { FileStore, MemoryStore, type SessionStore } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { AddSessionTag, CreateSessionTable, SessionEntity, TypeOrmStore } from '../../lib/typeorm.js';
import { databaseUrl } from './postgres.js';
import { clusterNodes, redisUrl } from './redis.js';

/** One handle on a backend: a store plus whatever connection it needed. */
export interface OpenedStore {
  store: SessionStore;
  close(): Promise<void>;
}

/**
 * A real backend that sessions can be stored in. Every `open()` is a fresh
 * store instance (and connection) on the same data, as an app restart or a
 * second app process would have.
 */
export interface Backend {
  name: string;
  /** Data outlives the store instance (false only for process memory). */
  durable: boolean;
  open(): Promise<OpenedStore>;
}

async function openTypeOrm(options: ConstructorParameters<typeof DataSource>[0]): Promise<OpenedStore> {
  const dataSource = await new DataSource({ ...options, entities: [SessionEntity] } as ConstructorParameters<typeof DataSource>[0]).initialize();
  const runner = dataSource.createQueryRunner();
  if (!(await runner.hasTable('sessions'))) await new CreateSessionTable().up(runner);
  await new AddSessionTag().up(runner); // a table an older run left behind gets the tag column
  await runner.release();
  return { store: new TypeOrmStore({ dataSource }), close: () => dataSource.destroy() };
}

export function backends(): Backend[] {
  const memory = new MemoryStore();
  const fileDir = mkdtempSync(join(tmpdir(), 'nest-sessions-e2e-files-'));
  const sqliteFile = join(mkdtempSync(join(tmpdir(), 'nest-sessions-e2e-sqlite-')), 'sessions.sqlite');
  return [
    { name: 'MemoryStore', durable: false, open: async () => ({ store: memory, close: async () => {} }) },
    {
      name: 'FileStore',
      durable: true,
      open: async () => {
        const store = new FileStore({ dir: fileDir });
        return { store, close: () => store.close() };
      },
    },
    { name: 'TypeOrmStore on SQLite', durable: true, open: () => openTypeOrm({ type: 'better-sqlite3', database: sqliteFile }) },
    { name: 'TypeOrmStore on PostgreSQL', durable: true, open: () => openTypeOrm({ type: 'postgres', url: databaseUrl() }) },
    {
      name: 'RedisStore',
      durable: true,
      open: async () => {
        const client = new Redis(redisUrl());
        return { store: new RedisStore({ client }), close: async () => void (await client.quit()) };
      },
    },
    {
      name: 'RedisStore on a Cluster',
      durable: true,
      open: async () => {
        const client = new Cluster(clusterNodes());
        return { store: new RedisStore({ client }), close: async () => void (await client.quit()) };
      },
    },
  ];
}
