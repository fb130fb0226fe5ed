import { Controller, Get } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DataSource, type DataSourceOptions, type Logger as TypeOrmLogger } from 'typeorm';
import { Session, SessionModule, SessionStore } from '../../lib/index.js';
import { CreateSessionTable, SessionEntity, TypeOrmStore } from '../../lib/typeorm.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { startApp } from '../support/platforms.js';
import { databaseUrl } from '../support/postgres.js';
import { describeStoreConformance, newId, record } from './store-conformance.js';

const MINUTE = 60_000;

/** One real database, fresh for a test or suite: a temp SQLite file, or a new PostgreSQL database. */
interface Database {
  /** Base DataSource options (no entities, no migrations). */
  options: DataSourceOptions;
  /** A new, initialised DataSource on this database; `close()` destroys it. */
  connect(extra?: Partial<DataSourceOptions>): Promise<DataSource>;
  /** The planner's view of a statement, as text. */
  plan(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<string>;
  close(): Promise<void>;
}

function database(options: DataSourceOptions, plan: Database['plan'], cleanup: () => Promise<void>): Database {
  const opened: DataSource[] = [];
  return {
    options,
    plan,
    async connect(extra = {}) {
      const dataSource = new DataSource({ ...options, migrations: [CreateSessionTable], ...extra } as DataSourceOptions);
      opened.push(dataSource);
      return dataSource.initialize();
    },
    async close() {
      for (const dataSource of opened) if (dataSource.isInitialized) await dataSource.destroy();
      await cleanup();
    },
  };
}

async function sqlite(): Promise<Database> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-sqlite-'));
  return database(
    { type: 'better-sqlite3', database: join(dir, 'sessions.sqlite') },
    async (ds, sql, parameters) => (await ds.query(`EXPLAIN QUERY PLAN ${sql}`, parameters)).map((row: { detail: string }) => row.detail).join('\n'),
    () => rm(dir, { recursive: true, force: true }),
  );
}

async function postgres(): Promise<Database> {
  const admin = await new DataSource({ type: 'postgres', url: databaseUrl() }).initialize();
  const name = `sessions_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  return database(
    { type: 'postgres', url: url.href },
    async (ds, sql, parameters) => (await ds.query(`EXPLAIN ${sql}`, parameters)).map((row: Record<string, string>) => row['QUERY PLAN']).join('\n'),
    async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.destroy();
    },
  );
}

const BACKENDS: [string, () => Promise<Database>][] = [
  ['SQLite (better-sqlite3)', sqlite],
  ['PostgreSQL', postgres],
];

/** Every statement a DataSource runs, in order (a TypeORM Logger). */
class QueryLog implements TypeOrmLogger {
  readonly queries: { sql: string; parameters: unknown[] }[] = [];
  logQuery(sql: string, parameters?: unknown[]) {
    this.queries.push({ sql, parameters: parameters ?? [] });
  }
  find(pattern: RegExp) {
    const found = this.queries.findLast((query) => pattern.test(query.sql));
    if (!found) throw new Error(`no query matched ${pattern}`);
    return found;
  }
  logQueryError() {}
  logQuerySlow() {}
  logSchemaBuild() {}
  logMigration() {}
  log() {}
}

const COLUMNS = ['id', 'data', 'version', 'createdAt', 'expiresAt'];
const countRows = async (ds: DataSource) => Number((await ds.query('SELECT COUNT(*) AS n FROM sessions'))[0].n);

for (const [label, open] of BACKENDS) {
  describeStoreConformance(`TypeOrmStore on ${label}`, async () => {
    const db = await open();
    const dataSource = await db.connect();
    await dataSource.runMigrations();
    const store = new TypeOrmStore({ dataSource });
    return {
      store,
      // A second DataSource on the same database, as a second process would have.
      reopen: async () => new TypeOrmStore({ dataSource: await db.connect(), pruneIntervalMs: 0 }),
      close: async () => {
        await store.close();
        await db.close();
      },
    };
  });
}

describe.each(BACKENDS)('TypeOrmStore on %s', (_label, open) => {
  let db: Database;
  const stores: TypeOrmStore[] = [];
  const storeOn = (dataSource: DataSource, pruneIntervalMs = 0) => {
    const store = new TypeOrmStore({ dataSource, pruneIntervalMs });
    stores.push(store);
    return store;
  };
  const migrated = async (extra?: Partial<DataSourceOptions>) => {
    const dataSource = await db.connect(extra);
    await dataSource.runMigrations();
    return dataSource;
  };

  beforeEach(async () => {
    db = await open();
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await db.close();
  });

  it('the migration creates the table with its primary key and indexes, and down drops it', async () => {
    const dataSource = await migrated();
    const table = (await dataSource.createQueryRunner().getTable('sessions'))!;
    const columns = Object.fromEntries(table.columns.map((c) => [c.name, { type: c.type, primary: c.isPrimary, nullable: c.isNullable }]));
    expect(columns).toEqual({
      id: { type: expect.stringMatching(/^(varchar|character varying)$/), primary: true, nullable: false },
      data: { type: 'text', primary: false, nullable: false },
      version: { type: 'integer', primary: false, nullable: false },
      createdAt: { type: 'bigint', primary: false, nullable: false },
      expiresAt: { type: 'bigint', primary: false, nullable: false },
      userId: { type: expect.stringMatching(/^(varchar|character varying)$/), primary: false, nullable: true },
      tag: { type: expect.stringMatching(/^(varchar|character varying)$/), primary: false, nullable: true },
    });
    expect(table.indices.map((index) => [index.name, index.columnNames]).sort()).toEqual([
      ['IDX_sessions_expiresAt', ['expiresAt']],
      ['IDX_sessions_tag', ['tag']],
      ['IDX_sessions_userId', ['userId']],
    ]);
    await dataSource.undoLastMigration();
    await expect(dataSource.createQueryRunner().hasTable('sessions')).resolves.toBe(false);
  });

  it('SessionEntity maps exactly the schema the migration creates, and reads epoch ms back as numbers', async () => {
    const dataSource = await migrated({ entities: [SessionEntity] });
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    const id = newId();
    await storeOn(dataSource).set(id, record({ data: { user: { id: 42 } }, createdAt: 1_700_000_000_000 }), { ttlMs: MINUTE });
    const row = await dataSource.getRepository(SessionEntity).findOneByOrFail({ id });
    expect(row).toMatchObject({ id, version: 1, createdAt: 1_700_000_000_000, expiresAt: expect.any(Number), userId: '42' });
    expect(JSON.parse(row.data)).toEqual({ data: { user: { id: 42 } }, flash: {} });
  });

  it('fills userId from data.user.id or data.userId, and destroyByUserId signs a user out everywhere', async () => {
    const store = storeOn(await migrated());
    const ids = { nested: newId(), flat: newId(), other: newId(), anonymous: newId() };
    await store.set(ids.nested, record({ data: { user: { id: 7 } } }), { ttlMs: MINUTE });
    await store.set(ids.flat, record({ data: { userId: '7' } }), { ttlMs: MINUTE });
    await store.set(ids.other, record({ data: { user: { id: 'u-8' } } }), { ttlMs: MINUTE });
    await store.set(ids.anonymous, record({ data: { cart: [1] } }), { ttlMs: MINUTE });
    await expect(store.destroyByUserId(7)).resolves.toBe(2);
    await expect(store.get(ids.nested)).resolves.toBeUndefined();
    await expect(store.get(ids.flat)).resolves.toBeUndefined();
    await expect(store.get(ids.other)).resolves.toBeDefined();
    await expect(store.get(ids.anonymous)).resolves.toBeDefined();
  });

  it('prune deletes only expired rows and resolves their exact count', async () => {
    const dataSource = await migrated();
    const store = storeOn(dataSource);
    for (let i = 0; i < 3; i++) await store.set(newId(), record({ expiresAt: Date.now() - 1 }), { ttlMs: 1 });
    const live = [newId(), newId()];
    for (const id of live) await store.set(id, record(), { ttlMs: MINUTE });
    await expect(store.prune()).resolves.toBe(3);
    expect(await countRows(dataSource)).toBe(2);
    for (const id of live) await expect(store.get(id)).resolves.toBeDefined();
    await expect(store.prune()).resolves.toBe(0);
  });

  it("prunes on its own timer; close() stops the timer and leaves the user's DataSource open", async () => {
    const dataSource = await migrated();
    const idle = storeOn(dataSource, 0);
    const pruning = storeOn(dataSource, 40);
    await idle.set(newId(), record({ expiresAt: Date.now() + 20 }), { ttlMs: 20 });
    await idle.set(newId(), record(), { ttlMs: MINUTE });
    await sleep(250);
    expect(await countRows(dataSource)).toBe(1);
    await pruning.close();
    await idle.close();
    expect(dataSource.isInitialized).toBe(true);
    await expect(idle.get(newId())).resolves.toBeUndefined(); // still usable: the DataSource is untouched
  });

  it('a corrupt row reads as missing; ids that are not session ids never reach SQL', async () => {
    const dataSource = await migrated();
    const store = storeOn(dataSource);
    const [garbled, foreign] = [newId(), newId()];
    const row = (id: string, data: string) => ({ id, data, version: 1, createdAt: Date.now(), expiresAt: Date.now() + MINUTE });
    await dataSource.createQueryBuilder().insert().into('sessions', COLUMNS).values([row(garbled, '{"data": {'), row(foreign, '{"data": []}')]).execute();
    await expect(store.get(garbled)).resolves.toBeUndefined();
    await expect(store.get(foreign)).resolves.toBeUndefined();
    await expect(store.set(garbled, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 })).resolves.toBe(true); // the row is there: CAS may repair it
    for (const id of ["' OR 1=1 --", '../x', '', `${newId()}x`]) {
      await expect(store.get(id)).resolves.toBeUndefined();
      await expect(store.set(id, record(), { ttlMs: MINUTE })).rejects.toThrow(TypeError);
      await expect(store.touch(id, Date.now())).resolves.toBeUndefined();
      await expect(store.destroy(id)).resolves.toBe(true);
    }
    expect(await countRows(dataSource)).toBe(2);
  });

  it('without the migration, every operation fails with an error that says how to create the table', async () => {
    const store = storeOn(await db.connect());
    await expect(store.get(newId())).rejects.toThrow(/sessions" table is missing.*CreateSessionTable.*make:session-table/s);
    await expect(store.set(newId(), record(), { ttlMs: MINUTE })).rejects.toThrow(/CreateSessionTable/);
    await expect(store.prune()).rejects.toThrow(/CreateSessionTable/);
  });

  it('get finds a row through the primary key and prune through the expiresAt index, among 5000 rows', async () => {
    const log = new QueryLog();
    const dataSource = await migrated({ logger: log });
    const store = storeOn(dataSource);
    const expiresAt = Date.now() + 60 * MINUTE;
    for (let batch = 0; batch < 10; batch++) {
      const rows = Array.from({ length: 500 }, () => ({ id: newId(), data: '{"data":{},"flash":{}}', version: 1, createdAt: Date.now(), expiresAt }));
      await dataSource.createQueryBuilder().insert().into('sessions', COLUMNS).values(rows).execute();
    }
    if (dataSource.options.type === 'postgres') await dataSource.query('ANALYZE sessions');
    else await dataSource.query('ANALYZE');
    await store.get(newId());
    await store.prune();
    const get = log.find(/^SELECT .* FROM "sessions"/);
    const getPlan = await db.plan(dataSource, get.sql, get.parameters);
    expect(getPlan).not.toMatch(/Seq Scan|SCAN sessions/);
    expect(getPlan).toMatch(/Index Scan using "?PK_\w+"? on sessions|SEARCH sessions USING INDEX sqlite_autoindex_sessions_1 \(id=\?\)/);
    const prune = log.find(/^DELETE FROM "sessions" WHERE "expiresAt" <=/);
    expect(await db.plan(dataSource, prune.sql, prune.parameters)).toMatch(/IDX_sessions_expiresAt/);
  });

  it('works with the DataSource @nestjs/typeorm creates, injected into SessionModule.forRootAsync', async () => {
    @Controller()
    class CounterController {
      @Get('count')
      count(@Session() session: Session<{ count: number }>) {
        session.increment('count');
        return { count: session.get('count') };
      }
    }
    const running = await startApp('express', {
      imports: [
        TypeOrmModule.forRoot({ ...db.options, migrations: [CreateSessionTable], migrationsRun: true }),
        SessionModule.forRootAsync({
          inject: [getDataSourceToken()],
          useFactory: (dataSource: DataSource) => ({ secret: SECRET, store: new TypeOrmStore({ dataSource }) }),
        }),
      ],
      controllers: [CounterController],
    });
    const dataSource = running.app.get<DataSource>(getDataSourceToken());
    try {
      expect(running.app.get(SessionStore)).toBeInstanceOf(TypeOrmStore);
      const browser = new Browser(running.url);
      expect((await browser.get('/count')).body).toEqual({ count: 1 });
      expect((await browser.get('/count')).body).toEqual({ count: 2 });
      const rows = await dataSource.query('SELECT data, version FROM sessions');
      expect(rows).toHaveLength(1);
      expect(JSON.parse(rows[0].data).data).toEqual({ count: 2 });
      expect(Number(rows[0].version)).toBe(2);
    } finally {
      await running.close();
    }
    expect(dataSource.isInitialized).toBe(false); // Nest closed its own DataSource; the store never did
  });
});

describe('nest-sessions make:session-table (the CLI)', () => {
  const repo = fileURLToPath(new URL('../../', import.meta.url));
  const cli = join(repo, 'bin', 'nest-sessions.js');
  let project: string;
  const run = (args: string[], file = cli) =>
    promisify(execFile)(process.execPath, [file, ...args], { cwd: project }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  /** The sessions table and its indexes as SQLite recorded them. */
  const schemaOf = async (file: string) => {
    const dataSource = await new DataSource({ type: 'better-sqlite3', database: file }).initialize();
    try {
      return await dataSource.query(`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'sessions' ORDER BY name`);
    } finally {
      await dataSource.destroy();
    }
  };

  beforeAll(async () => {
    // A user's project: ESM, with this repository's node_modules standing in for its own install.
    project = await mkdtemp(join(tmpdir(), 'nest-sessions-cli-'));
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await symlink(join(repo, 'node_modules'), join(project, 'node_modules'), 'dir');
  });
  afterAll(() => rm(project, { recursive: true, force: true }));

  it('writes a migration that compiles, runs and creates the same table as CreateSessionTable, and refuses to overwrite it', async () => {
    const written = await run(['make:session-table']);
    expect(written).toMatchObject({ code: 0, stderr: '' });
    const files = await readdir(join(project, 'src', 'migrations'));
    expect(files).toEqual([expect.stringMatching(/^\d{13}-CreateSessionTable\.ts$/)]);
    const timestamp = files[0]!.slice(0, 13);
    const file = join(project, 'src', 'migrations', files[0]!);
    expect(written.stdout).toContain(join('src', 'migrations', files[0]!));
    expect(written.stdout).toContain('migration:run');
    const source = await readFile(file, 'utf8');
    expect(source.match(/from '[^']+'/g)).toEqual(["from 'typeorm'"]);
    expect(source).toContain(`export class CreateSessionTable${timestamp} implements MigrationInterface`);

    // Compiles with tsc under strict NodeNext ESM settings, verbatimModuleSyntax included.
    const compilerOptions = { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', verbatimModuleSyntax: true };
    const tsconfig = { compilerOptions: { ...compilerOptions, skipLibCheck: true, types: [], rootDir: 'src', outDir: 'dist' }, include: ['src'] };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const compiled = await run(['-p', 'tsconfig.json'], join(repo, 'node_modules', 'typescript', 'bin', 'tsc'));
    expect(compiled).toEqual({ code: 0, stdout: '', stderr: '' });

    // Runs as the user's app would, in its own Node process, against a SQLite file.
    const output = join(project, 'dist', 'migrations', files[0]!.replace(/\.ts$/, '.js'));
    await writeFile(
      join(project, 'migrate.mjs'),
      `import { DataSource } from 'typeorm';
import * as migrations from ${JSON.stringify(output)};
const dataSource = await new DataSource({ type: 'better-sqlite3', database: process.argv[2], migrations: Object.values(migrations) }).initialize();
if (process.argv[3] === 'down') await dataSource.undoLastMigration();
else console.log(JSON.stringify((await dataSource.runMigrations()).map((m) => m.name)));
await dataSource.destroy();
`,
    );
    const userDb = join(project, 'app.sqlite');
    const migrated = await run([userDb], join(project, 'migrate.mjs'));
    expect(migrated).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(migrated.stdout)).toEqual([`CreateSessionTable${timestamp}`]);

    const libraryDb = join(project, 'library.sqlite');
    const library = await new DataSource({ type: 'better-sqlite3', database: libraryDb, migrations: [CreateSessionTable] }).initialize();
    await library.runMigrations();
    await library.destroy();
    const schema = await schemaOf(userDb);
    expect(schema.map((row: { name: string }) => row.name)).toEqual(expect.arrayContaining(['sessions', 'IDX_sessions_expiresAt', 'IDX_sessions_userId']));
    expect(schema).toEqual(await schemaOf(libraryDb));

    await expect(run([userDb, 'down'], join(project, 'migrate.mjs'))).resolves.toMatchObject({ code: 0 });
    await expect(schemaOf(userDb)).resolves.toEqual([]);

    // A second run refuses, and leaves the first file as it was.
    const again = await run(['make:session-table']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect(await readdir(join(project, 'src', 'migrations'))).toEqual(files);
    await expect(readFile(file, 'utf8')).resolves.toBe(source);
  }, 120_000);

  it('honours --dir and --name, creating the folder', async () => {
    const written = await run(['make:session-table', '--dir', 'db/migrations', '--name', 'AddSessions']);
    expect(written.code).toBe(0);
    const [file] = await readdir(join(project, 'db', 'migrations'));
    expect(file).toMatch(/^\d{13}-AddSessions\.ts$/);
    const source = await readFile(join(project, 'db', 'migrations', file!), 'utf8');
    expect(source).toContain(`export class AddSessions${file!.slice(0, 13)} implements MigrationInterface`);
    expect(source).toContain(`name = 'AddSessions${file!.slice(0, 13)}'`);
    await expect(run(['make:session-table', '--name', '9-lives'])).resolves.toMatchObject({ code: 1, stderr: expect.stringContaining('--name') });
  });

  it('prints usage for --help, and exits 1 with usage for an unknown command or option', async () => {
    const help = await run(['--help']);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('make:session-table') });
    expect(help.stdout).toMatch(/^Usage: nest-sessions/);
    for (const args of [['make:sessions'], [], ['make:session-table', '--force']]) {
      const result = await run(args);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Usage: nest-sessions');
    }
  });
});
