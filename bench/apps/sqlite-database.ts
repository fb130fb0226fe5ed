import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type Logger } from 'typeorm';
import { CreateSessionTable } from '../../lib/typeorm.js';
import { count } from './app-stats.js';

/** Counts every statement TypeORM runs, by its first keyword (`sql select`, `sql update`…). */
const countingLogger: Logger = {
  logQuery: (query) => count(`sql ${query.trimStart().split(/\s/, 1)[0]!.toLowerCase()}`),
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};

/**
 * A fresh SQLite file (better-sqlite3, WAL) in a temporary directory with the
 * sessions table made by the library's own migration; `close` deletes it.
 */
export async function openSqlite(): Promise<{ dataSource: DataSource; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-bench-'));
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: join(dir, 'sessions.sqlite'),
    enableWAL: true,
    migrations: [CreateSessionTable],
    logger: countingLogger,
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    dataSource,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
