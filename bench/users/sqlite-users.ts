import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { CreateSessionTable, TypeOrmStore } from '../../lib/typeorm.js';
import { HOUR, log } from '../scale/timing.js';
import { timeUser, userSessionsOver, type UserTiming } from './user-timing.js';

const PER_USER = 4;

interface BetterSqliteDb {
  prepare(sql: string): { run(...args: unknown[]): unknown };
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
}

/**
 * UserSessions over TypeOrmStore on SQLite (better-sqlite3, WAL): one file
 * with `small` sessions of other users, one with `count`, and in each a user
 * with 1, 100 and 10,000 of their own, inserted as the store writes them
 * (the tag in its indexed column and in the record).
 */
export async function sqliteUsers(count: number, small: number, owns: number[], rounds: number): Promise<UserTiming[]> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-bench-users-'));
  const results: UserTiming[] = [];
  try {
    for (const total of [small, count]) {
      const dataSource = new DataSource({ type: 'better-sqlite3', database: join(dir, `${total}.sqlite`), enableWAL: true, migrations: [CreateSessionTable] });
      await dataSource.initialize();
      try {
        await dataSource.runMigrations();
        const db = (dataSource.driver as unknown as { databaseConnection: BetterSqliteDb }).databaseConnection;
        const started = performance.now();
        for (let done = 0; done < total; ) {
          const rows: { tag: string; ids: string[] }[] = [];
          for (let k = 0; k < 12_500 && done < total; k++) {
            const ids = Array.from({ length: Math.min(PER_USER, total - done) }, () => randomBytes(32).toString('base64url'));
            done += ids.length;
            rows.push({ tag: `user-${done}`, ids });
          }
          insert(db, rows);
        }
        await dataSource.query('ANALYZE');
        log(`  sqlite: ${total.toLocaleString('en-US')} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        const users = userSessionsOver(new TypeOrmStore({ dataSource, pruneIntervalMs: 0 }));
        for (const own of owns) {
          const timing = await timeUser(users, async (tag, ids) => insert(db, [{ tag, ids }]), total, own, rounds);
          log(`  sqlite, ${total.toLocaleString('en-US')} sessions, a user with ${own}: list ${timing.listMs.toFixed(2)} ms, destroyAll ${timing.destroyAllMs.toFixed(2)} ms`);
          results.push(timing);
        }
      } finally {
        await dataSource.destroy();
      }
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function insert(db: BetterSqliteDb, users: { tag: string; ids: string[] }[]): void {
  const statement = db.prepare('INSERT INTO "sessions" ("id", "data", "version", "createdAt", "expiresAt", "tag") VALUES (?, ?, 1, ?, ?, ?)');
  const now = Date.now();
  db.transaction(() => {
    for (const { tag, ids } of users) {
      const data = JSON.stringify({ data: { user: { id: tag } }, flash: {}, tag });
      for (const id of ids) statement.run(id, data, now, now + HOUR, tag);
    }
  })();
}
