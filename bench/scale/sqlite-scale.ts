import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type Logger } from 'typeorm';
import { CreateSessionTable, TypeOrmStore } from '../../lib/typeorm.js';
import { formatTiming, HOUR, log, MB, sampleRecord, storeTimings, type Timing } from './timing.js';

export interface SqliteScaleResult {
  rows: number;
  loadSeconds: number;
  fileMB: number;
  /** Store operations at 1,000 rows and at the full count. */
  get: { at1k: Timing; atFull: Timing };
  set: { at1k: Timing; atFull: Timing };
  touch: { at1k: Timing; atFull: Timing };
  /** EXPLAIN QUERY PLAN of the exact statements the store ran. */
  plans: Record<string, string>;
  /** For contrast: one query that has to read every row (no index on `data`), in ms. */
  fullScanMs: number;
}

const OPS = 5_000;
/** Versions our compare-and-set writes reached; every row starts at 1 and only these writes change it. */
const versions = new Map<string, number>();

/** Remembers the statements TypeORM ran, with their parameters, to EXPLAIN them afterwards. */
class RecordingLogger implements Logger {
  recording = false;
  /** The last statement of each kind (SELECT, UPDATE…) while recording. */
  readonly seen = new Map<string, { sql: string; parameters: unknown[] }>();
  logQuery(sql: string, parameters?: unknown[]): void {
    if (this.recording) this.seen.set(sql.trimStart().split(/\s/, 1)[0]!.toUpperCase(), { sql, parameters: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/**
 * TypeOrmStore on SQLite (better-sqlite3, WAL) with 1,000 rows, then with
 * `count` rows: if every statement finds its row by the primary key, the time
 * per operation stays flat; EXPLAIN QUERY PLAN shows the index search.
 */
export async function sqliteScale(count: number): Promise<SqliteScaleResult> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-scale-sqlite-'));
  const logger = new RecordingLogger();
  const file = join(dir, 'sessions.sqlite');
  const dataSource = new DataSource({ type: 'better-sqlite3', database: file, enableWAL: true, migrations: [CreateSessionTable], logger });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const store = new TypeOrmStore({ dataSource, pruneIntervalMs: 0 });
    const ids: string[] = [];
    const now = Date.now();

    await insertRows(dataSource, ids, 1000, now);
    const at1k = await storeTimings(store, ids, now, OPS, versions);

    const started = performance.now();
    await insertRows(dataSource, ids, count - ids.length, now);
    const loadSeconds = (performance.now() - started) / 1000;
    log(`  sqlite: ${count.toLocaleString('en-US')} rows in ${loadSeconds.toFixed(1)} s`);
    const atFull = await storeTimings(store, ids, now, OPS, versions);

    // One get and one compare-and-set on the last row, recorded, then explained.
    logger.recording = true;
    const id = ids[ids.length - 1]!;
    const record = (await store.get(id))!;
    await store.set(id, { ...record, version: record.version + 1 }, { ttlMs: HOUR, ifVersion: record.version });
    logger.recording = false;
    const plans: Record<string, string> = {};
    for (const [verb, { sql, parameters }] of logger.seen) {
      const rows = (await dataSource.query(`EXPLAIN QUERY PLAN ${sql}`, parameters)) as { detail: string }[];
      plans[verb] = `${sql.replace(/\s+/g, ' ')}  →  ${rows.map((r) => r.detail).join('; ')}`;
    }
    const scanStart = performance.now();
    await dataSource.query('SELECT COUNT(*) AS n FROM "sessions" WHERE "data" = ?', ['nothing matches this']);
    const fullScanMs = performance.now() - scanStart;
    await store.close();
    log(`  sqlite: get at 1k ${formatTiming(at1k.get)}; at ${count.toLocaleString('en-US')} ${formatTiming(atFull.get)}`);
    return {
      rows: count,
      loadSeconds,
      fileMB: (await stat(file)).size / MB,
      get: { at1k: at1k.get, atFull: atFull.get },
      set: { at1k: at1k.set, atFull: atFull.set },
      touch: { at1k: at1k.touch, atFull: atFull.touch },
      plans,
      fullScanMs,
    };
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Bulk load straight through better-sqlite3 (one prepared INSERT in large
 * transactions), with the same columns and JSON the store writes.
 */
async function insertRows(dataSource: DataSource, ids: string[], n: number, now: number): Promise<void> {
  const db = (dataSource.driver as unknown as { databaseConnection: BetterSqliteDb }).databaseConnection;
  const insert = db.prepare('INSERT INTO "sessions" ("id", "data", "version", "createdAt", "expiresAt", "userId") VALUES (?, ?, ?, ?, ?, ?)');
  const batch = db.transaction((rows: unknown[][]) => {
    for (const row of rows) insert.run(...row);
  });
  for (let done = 0; done < n; ) {
    const rows: unknown[][] = [];
    for (let k = 0; k < 50_000 && done < n; k++, done++) {
      const id = randomBytes(32).toString('base64url');
      const i = ids.push(id);
      const record = sampleRecord(i, now, HOUR);
      rows.push([id, JSON.stringify({ data: record.data, flash: record.flash }), 1, now, now + HOUR, String(i)]);
    }
    batch(rows);
  }
}

interface BetterSqliteDb {
  prepare(sql: string): { run(...args: unknown[]): unknown };
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
}
