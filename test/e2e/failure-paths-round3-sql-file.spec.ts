import { Controller, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { FileStore, Session, SessionModule, type SessionStore, UserSessions } from '../../lib/index.js';
import { AddSessionTag, CreateSessionTable, TypeOrmStore } from '../../lib/typeorm.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from '../support/platforms.js';
import { databaseUrl } from '../support/postgres.js';
import { TestGate } from '../support/gate.js';
import { failOnProcessErrors } from '../support/process-errors.js';
import { transpileLibrary } from '../hardening/fixtures/transpile-library.js';

/**
 * Failure paths of FileStore and TypeOrmStore (SQLite, PostgreSQL) that a user
 * hits in production and the other suites do not try, with real things: a
 * second OS process that holds a session's lock (FileStore's lock directory, a
 * SQLite write transaction, a PostgreSQL row lock) and is stopped with SIGSTOP
 * while the app serves the same session; a store directory replaced by a file
 * under a request in flight; a sign-out on one of two app instances racing
 * slower writes on both; the migrations the CLI writes, run, reverted and run
 * again on fresh databases. Real HTTP through Express and Fastify.
 */

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where a handler waits for the test, once its session is loaded. */
const gate = new TestGate();

@Controller('sf')
class SqlFileController {
  constructor(@Inject(UserSessions) private readonly users: UserSessions) {}

  @Get('ping')
  ping() {
    return { pong: true };
  }

  @Post('start')
  @HttpCode(200)
  start(@Session() session: Session) {
    session.set('n', 0);
    return { id: session.id };
  }

  @Post('sign-in')
  @HttpCode(200)
  async signIn(@Session() session: Session, @Query('user') user: string) {
    await session.regenerate();
    session.set('user.id', user);
    session.tag(user);
    return { id: session.id };
  }

  @Get('devices')
  async devices(@Query('user') user: string) {
    return { count: (await this.users.list(user)).length };
  }

  @Post('inc')
  @HttpCode(200)
  async inc(@Session() session: Session, @Query('ms') ms = '0') {
    session.get('n');
    await gate.pass();
    await sleep(Number(ms));
    return { n: session.increment('n') };
  }

  @Get('me')
  me(@Session() session: Session) {
    return { id: session.id, isNew: session.isNew, userId: session.get('user.id') ?? null, n: session.get('n') ?? null };
  }

  @Post('sign-out')
  @HttpCode(200)
  async signOut(@Session() session: Session) {
    await session.destroy();
    return { ok: true };
  }
}

const sessionId = (browser: Browser) => browser.cookies.get('sid')!.split('.')[0]!;

/** A second OS process (plain Node, an ES module given as text) that prints `ready` once it holds what it holds. */
interface Holder {
  child: ChildProcess;
  pause(): void;
  resume(): void;
  /** Sends one line to the child (what it waits for), then resolves what it printed last, once it has exited. */
  finish(line: string): Promise<string>;
  kill(): Promise<void>;
}

async function startHolder(source: string, args: string[], env: Record<string, string> = {}): Promise<Holder> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source, '--', ...args], {
    cwd: REPO,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let [stdout, stderr] = ['', ''];
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const giveUpAt = Date.now() + 10_000;
  while (!stdout.includes('ready\n')) {
    if (child.exitCode !== null || Date.now() > giveUpAt) throw new Error(`holder ${child.pid} did not get ready: ${stdout}${stderr}`);
    await sleep(10);
  }
  return {
    child,
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    finish: async (line) => {
      child.stdin!.write(`${line}\n`);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`holder ${child.pid} did not end: ${stdout}${stderr}`)), 10_000)));
      await Promise.race([exited, late]).finally(() => clearTimeout(timer));
      if (stderr) throw new Error(`holder ${child.pid} failed: ${stderr}`);
      return stdout.trim().split('\n').at(-1)!;
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits for one line on stdin. */
const READ_LINE = `const line = () => new Promise((resolve) => process.stdin.once('data', (chunk) => resolve(String(chunk).trim())));`;

/** Time of `fn`, in ms, with its result. */
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, performance.now() - started];
}

/** Pings the app every 50 ms while `during` runs; resolves the slowest ping, in ms. */
async function slowestPingWhile(url: string, during: Promise<unknown>): Promise<number> {
  let done = false;
  void during.finally(() => (done = true)).catch(() => undefined);
  let slowest = 0;
  while (!done) {
    const [status, ms] = await timed(() => fetch(`${url}/sf/ping`).then((r) => r.status));
    expect(status).toBe(200);
    slowest = Math.max(slowest, ms);
    await sleep(50);
  }
  return slowest;
}

async function bootApp(platform: Platform, store: SessionStore): Promise<RunningApp> {
  return startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store })], controllers: [SqlFileController] });
}

async function migrated(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = await new DataSource(options).initialize();
  const runner = dataSource.createQueryRunner();
  if (!(await runner.hasTable('sessions'))) await new CreateSessionTable().up(runner);
  await new AddSessionTag().up(runner);
  await runner.release();
  return dataSource;
}

/** A fresh PostgreSQL database on the server the Jest global setup started; `drop()` removes it. */
async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = await new DataSource({ type: 'postgres', url: databaseUrl() }).initialize();
  const name = `sf_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

failOnProcessErrors();

describe('FileStore: another process holds the session lock and is stopped (SIGSTOP)', () => {
  let build: string;
  let dir: string;
  let store: FileStore;
  const apps: RunningApp[] = [];

  beforeAll(async () => {
    build = await transpileLibrary();
    dir = await mkdtemp(join(tmpdir(), 'nest-sessions-sf-file-'));
    store = new FileStore({ dir, pruneIntervalMs: 0 });
    for (const platform of PLATFORMS) apps.push(await bootApp(platform, store));
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
    await rm(build, { recursive: true, force: true });
  });

  /** Takes the session's lock through the real FileStore code, says ready, and on `go` commits a stale record (n: 999) through it. */
  const HOLDER = `
    ${READ_LINE}
    const [dir, id] = process.argv.slice(-2);
    const { withFileLock } = await import(new URL('stores/file/file-lock.js', process.env.LIB).href);
    const { serializeSessionFile } = await import(new URL('stores/file/session-file.js', process.env.LIB).href);
    const { readFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const file = join(dir, id + '.json');
    const outcome = await withFileLock(join(dir, id + '.lock'), 'write', async (tenure) => {
      const { session } = JSON.parse(await readFile(file, 'utf8'));
      process.stdout.write('ready\\n');
      await line();
      const stale = { ...session, data: { ...session.data, n: 999 }, version: session.version + 1 };
      return tenure.commit(file, serializeSessionFile(stale, session.expiresAt)).then(() => 'committed', (error) => error.constructor.name);
    });
    process.stdout.write(outcome + '\\n');
    process.exit(0);
  `;

  it('requests on that session wait out the stale-lock age and then save, other routes keep answering at once, and the stopped writer, resumed, changes nothing', async () => {
    const browsers = apps.map((app) => new Browser(app.url));
    await browsers[0]!.post('/sf/start');
    for (const [k, v] of browsers[0]!.cookies) browsers[1]!.cookies.set(k, v);
    const id = sessionId(browsers[0]!);
    const holder = await startHolder(HOLDER, [dir, id], { LIB: pathToFileURL(join(build, 'lib')).href + '/' });
    try {
      holder.pause();
      const writes = Promise.all(browsers.map((browser) => timed(() => browser.post('/sf/inc'))));
      const slowest = await Promise.all(apps.map((app) => slowestPingWhile(app.url, writes)));
      const answers = await writes;
      expect(answers.map(([reply]) => reply.status)).toEqual([200, 200]);
      for (const [, ms] of answers) expect(ms).toBeLessThan(8_000); // the 5 s stale-lock age, not the 10 s give-up
      for (const ms of slowest) expect(ms).toBeLessThan(500);
      holder.resume();
      expect(await holder.finish('go')).toBe('LockLostError'); // fenced off: its stale write never lands
      for (const browser of browsers) expect((await browser.get('/sf/me')).body).toMatchObject({ id, n: 2 });
      await expect(Promise.all(browsers.map((browser) => browser.post('/sf/inc')))).resolves.toEqual([
        expect.objectContaining({ status: 200 }),
        expect.objectContaining({ status: 200 }),
      ]);
      expect((await store.get(id))?.data.n).toBe(4);
    } finally {
      await holder.kill();
    }
  }, 20_000);
});

/** Opens the SQLite file with better-sqlite3, takes the write lock (BEGIN IMMEDIATE) and reads the row, says ready; on `go` writes n + 1 by compare-and-set and commits. */
const SQLITE_HOLDER = `
  ${READ_LINE}
  const [file, id] = process.argv.slice(-2);
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file);
  db.exec('BEGIN IMMEDIATE');
  const row = db.prepare('SELECT data, version FROM sessions WHERE id = ?').get(id);
  process.stdout.write('ready\\n');
  await line();
  const stored = JSON.parse(row.data);
  stored.data.n += 1;
  const { changes } = db.prepare('UPDATE sessions SET data = ?, version = ? WHERE id = ? AND version = ?').run(JSON.stringify(stored), row.version + 1, id, row.version);
  db.exec('COMMIT');
  process.stdout.write(changes + '\\n');
  process.exit(0);
`;

describe.each(PLATFORMS)('TypeOrmStore on SQLite: another process holds the write lock and is stopped (SIGSTOP), on %s', (platform) => {
  let dir: string;
  let dataSource: DataSource;
  let store: TypeOrmStore;
  let running: RunningApp;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nest-sessions-sf-sqlite-'));
    dataSource = await migrated({ type: 'better-sqlite3', database: join(dir, 'sessions.sqlite') });
    store = new TypeOrmStore({ dataSource, pruneIntervalMs: 0 });
    running = await bootApp(platform, store);
  });
  afterAll(async () => {
    await running?.close();
    await dataSource?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('a write answers 503 once the busy timeout passes, nothing of it lands once the process lets go, and a retry counts once', async () => {
    const browser = new Browser(running.url);
    await browser.post('/sf/start');
    const id = sessionId(browser);
    const holder = await startHolder(SQLITE_HOLDER, [join(dir, 'sessions.sqlite'), id]);
    try {
      holder.pause();
      const [reply, ms] = await timed(() => browser.post('/sf/inc'));
      expect(reply.status).toBe(503);
      expect(ms).toBeLessThan(5_000 + 1_500); // better-sqlite3's busy timeout as TypeORM sets it by default
      holder.resume();
      expect(await holder.finish('go')).toBe('1'); // its compare-and-set found the version it read: the app wrote nothing meanwhile
      expect((await browser.get('/sf/me')).body).toMatchObject({ id, n: 1 });
      expect((await browser.post('/sf/inc')).status).toBe(200);
      expect((await store.get(id))?.data.n).toBe(2);
    } finally {
      await holder.kill();
    }
  }, 20_000);
});

/** Connects with pg, locks the row (SELECT … FOR UPDATE in a transaction) and reads it, says ready; on `go` writes n + 1 by compare-and-set and commits. */
const POSTGRES_HOLDER = `
  ${READ_LINE}
  const [url, id] = process.argv.slice(-2);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  const { rows: [row] } = await client.query('SELECT data, version FROM sessions WHERE id = $1 FOR UPDATE', [id]);
  process.stdout.write('ready\\n');
  await line();
  const stored = JSON.parse(row.data);
  stored.data.n += 1;
  const { rowCount } = await client.query('UPDATE sessions SET data = $1, version = $2 WHERE id = $3 AND version = $4', [JSON.stringify(stored), row.version + 1, id, row.version]);
  await client.query('COMMIT');
  await client.end();
  process.stdout.write(rowCount + '\\n');
  process.exit(0);
`;

/** PostgreSQL cancels a statement past this (pg's statement_timeout, server side): the app's own deadline for a write waiting on a lock. */
const STATEMENT_TIMEOUT_MS = 800;

describe.each(PLATFORMS)('TypeOrmStore on PostgreSQL: another process holds the row lock and is stopped (SIGSTOP), on %s', (platform) => {
  let database: Awaited<ReturnType<typeof freshPostgres>>;
  let dataSource: DataSource;
  let store: TypeOrmStore;
  let running: RunningApp;

  beforeAll(async () => {
    database = await freshPostgres();
    dataSource = await migrated({ type: 'postgres', url: database.url, extra: { statement_timeout: STATEMENT_TIMEOUT_MS } });
    store = new TypeOrmStore({ dataSource, pruneIntervalMs: 0 });
    running = await bootApp(platform, store);
  });
  afterAll(async () => {
    await running?.close();
    await dataSource?.destroy();
    await database?.drop();
  });

  async function lockedSession(): Promise<{ browser: Browser; id: string; holder: Holder }> {
    const browser = new Browser(running.url);
    await browser.post('/sf/start');
    const id = sessionId(browser);
    const holder = await startHolder(POSTGRES_HOLDER, [database.url, id]);
    holder.pause();
    return { browser, id, holder };
  }

  it('a write answers 503 once statement_timeout passes, other routes keep answering, it does not land when the lock is released, and a retry counts once', async () => {
    const { browser, id, holder } = await lockedSession();
    try {
      const write = timed(() => browser.post('/sf/inc'));
      const slowest = await slowestPingWhile(running.url, write);
      const [reply, ms] = await write;
      expect(reply.status).toBe(503);
      expect(ms).toBeLessThan(STATEMENT_TIMEOUT_MS + 1_500);
      expect(slowest).toBeLessThan(500);
      holder.resume();
      expect(await holder.finish('go')).toBe('1');
      await sleep(100);
      expect((await browser.get('/sf/me')).body).toMatchObject({ id, n: 1 });
      expect((await browser.post('/sf/inc')).status).toBe(200);
      expect((await store.get(id))?.data.n).toBe(2);
    } finally {
      await holder.kill();
    }
  });

  it('a sign-in answered 503 leaves no signed-in session behind: no device listed, the browser still anonymous with its data', async () => {
    const { browser, id, holder } = await lockedSession();
    const user = `u-${randomBytes(4).toString('hex')}`;
    try {
      const reply = await browser.post(`/sf/sign-in?user=${user}`);
      expect(reply.status).toBe(503);
      holder.resume();
      expect(await holder.finish('go')).toBe('1');
      await sleep(100);
      expect((await browser.get(`/sf/devices?user=${user}`)).body).toEqual({ count: 0 });
      expect((await browser.get('/sf/me')).body).toMatchObject({ id, userId: null, n: 1 });
      expect(await dataSource.query('SELECT COUNT(*)::int AS n FROM sessions WHERE tag = $1', [user])).toEqual([{ n: 0 }]);
    } finally {
      await holder.kill();
    }
  });
});

describe.each(PLATFORMS)('FileStore: its directory replaced by a file while a request is under way, on %s', (platform) => {
  let root: string;
  let dir: string;
  let store: FileStore;
  let running: RunningApp;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'nest-sessions-sf-gone-'));
    dir = join(root, 'sessions');
    store = new FileStore({ dir, pruneIntervalMs: 0 });
    running = await bootApp(platform, store);
  });
  afterAll(async () => {
    await running?.close();
    await store?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('answers that request 503 and new visitors 503, other routes 200; once the directory is back the session is as it was and writes count again', async () => {
    const browser = new Browser(running.url);
    await browser.post('/sf/start');
    const id = sessionId(browser);
    const held = gate.close();
    const pending = browser.post('/sf/inc');
    await held.arrived; // loaded; the save comes after the gate
    await rename(dir, `${dir}.away`); // a volume unmounted, a deploy that swapped the folder: root ignores chmod, not this
    await writeFile(dir, '');
    held.release();
    try {
      expect((await pending).status).toBe(503);
      expect((await browser.get('/sf/ping')).status).toBe(200);
      expect((await new Browser(running.url).post('/sf/start')).status).toBe(503);
      expect((await browser.get('/sf/me')).status).toBe(503);
    } finally {
      await unlink(dir);
      await rename(`${dir}.away`, dir);
    }
    expect((await browser.get('/sf/me')).body).toMatchObject({ id, n: 0 });
    expect((await browser.post('/sf/inc')).status).toBe(200);
    expect((await new Browser(running.url).post('/sf/start')).status).toBe(200);
    expect((await store.get(id))?.data.n).toBe(1);
  });
});

/** Two stores on the same data, as two app processes (or two servers behind a balancer) have. */
const SHARED: [string, () => Promise<{ stores: [SessionStore, SessionStore]; close(): Promise<void> }>][] = [
  [
    'FileStore',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-sf-two-'));
      const stores: [FileStore, FileStore] = [new FileStore({ dir, pruneIntervalMs: 0 }), new FileStore({ dir, pruneIntervalMs: 0 })];
      return { stores, close: async () => void (await Promise.all(stores.map((s) => s.close())), await rm(dir, { recursive: true, force: true })) };
    },
  ],
  [
    'TypeOrmStore on SQLite',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-sf-two-'));
      const options: DataSourceOptions = { type: 'better-sqlite3', database: join(dir, 'sessions.sqlite') };
      const sources = [await migrated(options), await migrated(options)];
      return {
        stores: [new TypeOrmStore({ dataSource: sources[0]!, pruneIntervalMs: 0 }), new TypeOrmStore({ dataSource: sources[1]!, pruneIntervalMs: 0 })],
        close: async () => void (await Promise.all(sources.map((s) => s.destroy())), await rm(dir, { recursive: true, force: true })),
      };
    },
  ],
  [
    'TypeOrmStore on PostgreSQL',
    async () => {
      const database = await freshPostgres();
      const sources = [await migrated({ type: 'postgres', url: database.url }), await migrated({ type: 'postgres', url: database.url })];
      return {
        stores: [new TypeOrmStore({ dataSource: sources[0]!, pruneIntervalMs: 0 }), new TypeOrmStore({ dataSource: sources[1]!, pruneIntervalMs: 0 })],
        close: async () => void (await Promise.all(sources.map((s) => s.destroy())), await database.drop()),
      };
    },
  ],
];

describe.each(SHARED)('two app instances (Express and Fastify) sharing %s', (_name, open) => {
  let shared: Awaited<ReturnType<typeof open>>;
  let apps: RunningApp[];

  beforeAll(async () => {
    shared = await open();
    apps = [await bootApp('express', shared.stores[0]), await bootApp('fastify', shared.stores[1])];
  });
  afterAll(async () => {
    for (const app of apps ?? []) await app.close();
    await shared?.close();
  });

  it('a sign-out on one sticks on the other, however many slower writes of the session either one is still saving', async () => {
    for (let run = 0; run < 2; run++) {
      const [a, b] = apps.map((app) => new Browser(app.url));
      await a!.post('/sf/start');
      await a!.post('/sf/sign-in?user=ada');
      for (const [k, v] of a!.cookies) b!.cookies.set(k, v);
      const id = sessionId(a!);
      const writes = Array.from({ length: 10 }, (_, i) => (i % 2 ? a! : b!).clone().post(`/sf/inc?ms=${Math.floor(Math.random() * 120)}`));
      await sleep(30);
      const signOut = (run % 2 ? a! : b!).post('/sf/sign-out');
      const answers = await Promise.all([...writes, signOut]);
      expect(answers.map((answer) => answer.status)).toEqual(Array(11).fill(200));
      for (const store of shared.stores) expect(await store.get(id)).toBeUndefined();
      for (const browser of [a!, b!]) {
        const me = await browser.clone().get('/sf/me');
        expect(me.body).toMatchObject({ userId: null, isNew: true });
        expect(me.body.id).not.toBe(id);
      }
    }
  });
});

describe('the migrations `npx nest-sessions make:session-table` and `make:session-tag` write, on a fresh database', () => {
  const cli = join(REPO, 'bin', 'nest-sessions.js');
  let project: string;

  /** Runs, reverts and runs the two migrations again, in a Node process of the user's project; prints the schema after each step. */
  const MIGRATE = `
    import { DataSource } from 'typeorm';
    import { readdirSync } from 'node:fs';
    const [type, database] = process.argv.slice(2);
    const dir = new URL('./migrations/', import.meta.url);
    const migrations = [];
    for (const file of readdirSync(dir).sort()) migrations.push(...Object.values(await import(new URL(file, dir).href)));
    const dataSource = await new DataSource({ type, ...(type === 'postgres' ? { url: database } : { database }), migrations }).initialize();
    const runner = dataSource.createQueryRunner();
    const schema = async () => {
      const table = await runner.getTable('sessions');
      return table ? { columns: table.columns.map((c) => c.name).sort(), indices: table.indices.map((i) => i.name).sort() } : null;
    };
    const steps = [];
    const step = async (name, run) => steps.push({ step: name, ran: (await run()) ?? null, schema: await schema() });
    await step('run', async () => (await dataSource.runMigrations()).map((m) => m.name.replace(/\\d{13}$/, '')));
    await step('revert', () => dataSource.undoLastMigration());
    await step('revert', () => dataSource.undoLastMigration());
    await step('run again', async () => (await dataSource.runMigrations()).map((m) => m.name.replace(/\\d{13}$/, '')));
    await runner.release();
    await dataSource.destroy();
    console.log(JSON.stringify(steps));
  `;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'nest-sessions-sf-cli-'));
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await symlink(join(REPO, 'node_modules'), join(project, 'node_modules'), 'dir');
    const run = (args: string[]) => promisify(execFile)(process.execPath, [cli, ...args], { cwd: project });
    await run(['make:session-table']);
    await sleep(2); // its own timestamp, after the table's
    await run(['make:session-tag']);
    // The user's build, as tsc would emit it (the CLI suites already compile it with tsc under strict settings).
    await mkdir(join(project, 'migrations'));
    for (const file of await readdir(join(project, 'src', 'migrations'))) {
      const source = await readFile(join(project, 'src', 'migrations', file), 'utf8');
      const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } });
      await writeFile(join(project, 'migrations', file.replace(/\.ts$/, '.js')), outputText);
    }
    await writeFile(join(project, 'migrate.mjs'), MIGRATE);
  });
  afterAll(() => rm(project, { recursive: true, force: true }));

  const ALL = { columns: ['createdAt', 'data', 'expiresAt', 'id', 'tag', 'userId', 'version'], indices: ['IDX_sessions_expiresAt', 'IDX_sessions_tag', 'IDX_sessions_userId'] };
  const NO_TAG = { columns: ['createdAt', 'data', 'expiresAt', 'id', 'userId', 'version'], indices: ['IDX_sessions_expiresAt', 'IDX_sessions_userId'] };

  it.each([
    ['PostgreSQL', 'postgres'],
    ['SQLite', 'better-sqlite3'],
  ])('on %s: they run, revert one by one and run again, and TypeOrmStore then stores, finds by tag and deletes sessions', async (_label, type) => {
    const database = type === 'postgres' ? await freshPostgres() : undefined;
    const target = database?.url ?? join(project, `${randomBytes(4).toString('hex')}.sqlite`);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [join(project, 'migrate.mjs'), type, target], { cwd: project });
      expect(JSON.parse(stdout)).toEqual([
        { step: 'run', ran: ['CreateSessionTable', 'AddSessionTag'], schema: ALL },
        { step: 'revert', ran: null, schema: NO_TAG },
        { step: 'revert', ran: null, schema: null },
        { step: 'run again', ran: ['CreateSessionTable', 'AddSessionTag'], schema: ALL },
      ]);
      const dataSource = await new DataSource(type === 'postgres' ? { type: 'postgres', url: target } : { type: 'better-sqlite3', database: target }).initialize();
      try {
        const store = new TypeOrmStore({ dataSource, pruneIntervalMs: 0 });
        const id = randomBytes(32).toString('base64url');
        const now = Date.now();
        const record = { data: { user: { id: 7 } }, flash: {}, createdAt: now, expiresAt: now + 60_000, version: 1, tag: '7' };
        await store.set(id, record, { ttlMs: 60_000 });
        expect(await store.set(id, { ...record, version: 2 }, { ttlMs: 60_000, ifVersion: 1 })).toBe(true);
        expect((await store.findTagged('7')).map((found) => [found.id, found.session.version])).toEqual([[id, 2]]);
        expect(await store.destroy(id, { ifVersion: 2 })).toBe(true);
        expect(await store.get(id)).toBeUndefined();
      } finally {
        await dataSource.destroy();
      }
    } finally {
      await database?.drop();
    }
  }, 30_000);
});
