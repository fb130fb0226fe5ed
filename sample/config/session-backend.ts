import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource, DataSourceOptions } from 'typeorm';
// A real app imports these from 'nest-sessions' and 'nest-sessions/typeorm' (or '/redis').
import { CookieStore, FileStore, MemoryStore, type SessionStore } from '../../lib/index.js';
import type { SampleConfig, StoreKind } from './sample-config.js';

/**
 * The default session's store, chosen by `SESSION_STORE`, plus whatever it
 * needed opened (a TypeORM DataSource). TypeORM and ioredis are imported only
 * for the store that uses them, as 'nest-sessions/typeorm' and '/redis' allow.
 */
export class SessionBackend implements OnApplicationShutdown {
  constructor(
    readonly kind: StoreKind,
    readonly store: SessionStore,
    /** What the log, the footer and the session page say about it. */
    readonly label: string,
    private readonly release: () => Promise<void> = async () => {},
  ) {}

  static async open(config: SampleConfig): Promise<SessionBackend> {
    const backend = await SessionBackend.create(config);
    new Logger('Sample').log(`Sessions are stored in ${backend.label} (SESSION_STORE=${config.store}).`);
    return backend;
  }

  private static async create(config: SampleConfig): Promise<SessionBackend> {
    switch (config.store) {
      case 'sqlite': {
        await mkdir(config.dataDir, { recursive: true });
        const file = join(config.dataDir, 'sessions.sqlite');
        const dataSource = await openDatabase({ type: 'better-sqlite3', database: file });
        return typeOrm('sqlite', dataSource, `TypeOrmStore on SQLite (${shortPath(file)})`);
      }
      case 'postgres': {
        if (!config.databaseUrl) {
          throw new Error('SESSION_STORE=postgres needs DATABASE_URL, e.g. postgres://user:password@127.0.0.1:5432/app.');
        }
        const dataSource = await openDatabase({ type: 'postgres', url: config.databaseUrl });
        return typeOrm('postgres', dataSource, `TypeOrmStore on PostgreSQL (${withoutCredentials(config.databaseUrl)})`);
      }
      case 'redis': {
        const { RedisStore } = await import('../../lib/redis.js');
        // Given a url, the store creates the ioredis client, owns it and quits it on shutdown.
        return new SessionBackend('redis', new RedisStore({ url: config.redisUrl }), `RedisStore (${withoutCredentials(config.redisUrl)})`);
      }
      case 'file': {
        const dir = join(config.dataDir, 'sessions');
        return new SessionBackend('file', new FileStore({ dir }), `FileStore (${shortPath(dir)}/)`);
      }
      case 'cookie':
        return new SessionBackend('cookie', new CookieStore(), 'CookieStore (sealed into the sid cookie)');
      case 'memory':
        return new SessionBackend('memory', new MemoryStore(), 'MemoryStore (this process; gone on restart)');
    }
  }

  /** Runs after the session module closed its stores: the DataSource is ours to close. */
  async onApplicationShutdown(): Promise<void> {
    await this.release();
  }
}

/** Opens the database and creates the sessions table on first start, through the library's migrations. */
async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  const { DataSource } = await import('typeorm');
  const { AddSessionTag, CreateSessionTable, SessionEntity } = await import('../../lib/typeorm.js');
  // AddSessionTag gives a table made by an older version the tag column "Your devices" needs; new tables have it.
  const migrations = [CreateSessionTable, AddSessionTag];
  const dataSource = await new DataSource({ ...options, entities: [SessionEntity], migrations } as DataSourceOptions).initialize();
  const ran = await dataSource.runMigrations({ transaction: 'each' });
  if (ran.length) new Logger('Sample').log(`Created the sessions table (migration ${ran.map((m) => m.name).join(', ')}).`);
  return dataSource;
}

async function typeOrm(kind: StoreKind, dataSource: DataSource, label: string): Promise<SessionBackend> {
  const { TypeOrmStore } = await import('../../lib/typeorm.js');
  return new SessionBackend(kind, new TypeOrmStore({ dataSource }), label, () => dataSource.destroy());
}

/** Relative to the working directory when inside it (`sample/data/sessions.sqlite`), else absolute. */
function shortPath(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}

/** `postgres://user:secret@host/db` → `host/db`: never print a password. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'the configured URL';
  }
}
