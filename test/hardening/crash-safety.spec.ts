import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DataSource } from 'typeorm';
import { FileStore, isStoredSession, type SessionStore, type StoredSession } from '../../lib/index.js';
import { TypeOrmStore } from '../../lib/typeorm.js';
import { transpileLibrary } from './fixtures/transpile-library.js';

/**
 * Crash safety: a writer process looping over compare-and-set writes is
 * killed with SIGKILL in the middle of its loop, several times over the same
 * data. Afterwards every session reads back whole (the record of one
 * completed write: its blob matches its id and counter) or not at all, the
 * raw files / rows are never torn, and a new process can write every id again.
 */
/** better-sqlite3 ships no types; the little used here, typed by hand. */
interface SqliteDatabase {
  pragma(source: string, options: { simple: true }): unknown;
  prepare(sql: string): { all(): unknown[] };
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => SqliteDatabase;
const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));
const ROUNDS = 3;
const IDS = Array.from({ length: 12 }, () => randomBytes(32).toString('base64url'));
const HOUR = 3_600_000;
let build: string;

beforeAll(async () => {
  build = await transpileLibrary();
});
afterAll(() => rm(build, { recursive: true, force: true }));

/** Starts the writer, lets it complete `writes` more writes, then kills it with SIGKILL at a random moment. */
async function killMidLoop(kind: 'file' | 'sqlite', location: string, writes: number): Promise<number> {
  const child = spawn(process.execPath, [WRITER, kind, location], { env: { ...process.env, NODE_OPTIONS: '', CRASH_IDS: JSON.stringify(IDS), CRASH_LIB: pathToFileURL(join(build, 'lib')).href + '/' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the writer made only ${count} writes in 60 s: ${stderr}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (/^\d+$/.test(line)) count = Number(line);
      if (count >= writes) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the writer exited by itself (code ${code}): ${stderr}`));
    });
  });
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 25)); // somewhere inside a write
  child.kill('SIGKILL');
  await exited;
  return count;
}

/** A record of one completed write of `id`: nothing torn, nothing from another id. */
function assertWhole(id: string, record: StoredSession): void {
  expect(isStoredSession(record)).toBe(true);
  const { data } = record as StoredSession & { data: { id: string; n: number; blob: string } };
  expect(data.id).toBe(id);
  expect(record.version).toBe(data.n);
  const unit = `${id}:${data.n};`;
  expect(data.blob.length % unit.length).toBe(0);
  expect(data.blob).toBe(unit.repeat(data.blob.length / unit.length));
}

async function assertEveryIdWhole(store: SessionStore): Promise<number> {
  let present = 0;
  for (const id of IDS) {
    const record = await store.get(id);
    if (!record) continue;
    assertWhole(id, record);
    present++;
  }
  return present;
}

/** After the last crash, a new writer can still write every id (stale locks are broken, nothing is wedged). */
async function assertWritable(store: SessionStore): Promise<void> {
  await Promise.all(
    IDS.map(async (id) => {
      const current = await store.get(id);
      const n = ((current?.data.n as number | undefined) ?? 0) + 1;
      const now = Date.now();
      const record = { data: { id, n, blob: `${id}:${n};` }, flash: {}, createdAt: now, expiresAt: now + HOUR, version: n };
      await expect(store.set(id, record, { ttlMs: HOUR, ifVersion: current?.version })).resolves.toBe(true);
      assertWhole(id, (await store.get(id))!);
    }),
  );
}

describe('a FileStore writer killed with SIGKILL mid-loop', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nest-sessions-crash-file-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it(`leaves no torn session file behind, over ${ROUNDS} crashes, and the store stays writable`, async () => {
    const log: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const writes = await killMidLoop('file', dir, 40);
      // The raw files first: every <id>.json parses completely (no reader could see half a file).
      const names = await readdir(dir);
      const sessionFiles = names.filter((n) => n.endsWith('.json'));
      for (const name of sessionFiles) {
        const file = JSON.parse(await readFile(join(dir, name), 'utf8')) as { deadline: number; session: StoredSession };
        assertWhole(name.slice(0, -'.json'.length), file.session);
      }
      const present = await assertEveryIdWhole(new FileStore({ dir, pruneIntervalMs: 0 }));
      const leftovers = names.filter((n) => n.endsWith('.tmp') || n.endsWith('.lock') || n.endsWith('.break'));
      log.push(`round ${round}: ${writes} writes before SIGKILL, ${present} of ${IDS.length} ids written so far, every one whole, ${leftovers.length} crash leftovers (temp/lock) ignored by readers`);
    }
    console.log(`[crash safety, FileStore] ${log.join('; ')}`);
    const store = new FileStore({ dir, pruneIntervalMs: 0 });
    await assertWritable(store);
    // Written again, every dead writer's lock, staged file and temp file is gone soon: no prune needed.
    const giveUpAt = Date.now() + 2_000;
    const remaining = async () => (await readdir(dir, { recursive: true })).filter((name) => !/^[\w-]{43}\.json$/.test(name));
    while ((await remaining()).length > 0 && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await remaining()).toEqual([]);
    await store.close();
  }, 240_000);
});

describe('a TypeOrmStore (SQLite) writer killed with SIGKILL mid-loop', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nest-sessions-crash-sqlite-'));
    file = join(dir, 'sessions.sqlite');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it(`leaves an intact database with no torn row, over ${ROUNDS} crashes, and the store stays writable`, async () => {
    const log: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const writes = await killMidLoop('sqlite', file, 40);
      // The raw database first: opening it rolls back any half-done transaction from its journal.
      const db = new Database(file);
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const rows = db.prepare('SELECT "id", "data", "version", "createdAt", "expiresAt" FROM "sessions"').all() as { id: string; data: string; version: number; createdAt: number; expiresAt: number }[];
        for (const row of rows) {
          const { data, flash } = JSON.parse(row.data) as Pick<StoredSession, 'data' | 'flash'>;
          assertWhole(row.id, { data, flash, version: row.version, createdAt: Number(row.createdAt), expiresAt: Number(row.expiresAt) });
        }
        log.push(`round ${round}: ${writes} writes before SIGKILL, ${rows.length} of ${IDS.length} ids written so far, every row whole, integrity_check ok`);
      } finally {
        db.close();
      }
    }
    console.log(`[crash safety, SQLite] ${log.join('; ')}`);
    const dataSource = await new DataSource({ type: 'better-sqlite3', database: file }).initialize();
    try {
      const store = new TypeOrmStore({ dataSource, pruneIntervalMs: 0 });
      expect(await assertEveryIdWhole(store)).toBeGreaterThan(0);
      await assertWritable(store);
    } finally {
      await dataSource.destroy();
    }
  }, 240_000);
});
