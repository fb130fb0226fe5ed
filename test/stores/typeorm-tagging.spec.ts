import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DataSource, Table, TableIndex, type DataSourceOptions } from 'typeorm';
import { AddSessionTag, CreateSessionTable, TypeOrmStore } from '../../lib/typeorm.js';
import { databaseUrl } from '../support/postgres.js';
import { newId, record } from './store-conformance.js';

const MINUTE = 60_000;

/** The sessions table as CreateSessionTable made it before the tag column existed. */
const OLD_TABLE = new Table({
  name: 'sessions',
  columns: [
    { name: 'id', type: 'varchar', length: '64', isPrimary: true },
    { name: 'data', type: 'text' },
    { name: 'version', type: 'integer' },
    { name: 'createdAt', type: 'bigint' },
    { name: 'expiresAt', type: 'bigint' },
    { name: 'userId', type: 'varchar', length: '255', isNullable: true },
  ],
  indices: [new TableIndex({ name: 'IDX_sessions_expiresAt', columnNames: ['expiresAt'] }), new TableIndex({ name: 'IDX_sessions_userId', columnNames: ['userId'] })],
});

interface Database {
  options: DataSourceOptions;
  close(): Promise<void>;
}

async function sqlite(): Promise<Database> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-tag-'));
  return { options: { type: 'better-sqlite3', database: join(dir, 'sessions.sqlite') }, close: () => rm(dir, { recursive: true, force: true }) };
}

async function postgres(): Promise<Database> {
  const admin = await new DataSource({ type: 'postgres', url: databaseUrl() }).initialize();
  const name = `sessions_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  return {
    options: { type: 'postgres', url: url.href },
    async close() {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

describe.each([
  ['SQLite (better-sqlite3)', sqlite],
  ['PostgreSQL', postgres],
] as const)('TypeOrmStore tagging on %s', (_label, open) => {
  let db: Database;
  let dataSource: DataSource;
  beforeEach(async () => {
    db = await open();
    dataSource = await new DataSource({ ...db.options, migrations: [CreateSessionTable, AddSessionTag] } as DataSourceOptions).initialize();
  });
  afterEach(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await db.close();
  });

  it('a table made before the tag column keeps serving untagged sessions; tagging says which migration to run, and works once it ran, without a restart', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.createTable(OLD_TABLE);
    const store = new TypeOrmStore({ dataSource, pruneIntervalMs: 0 });
    const plain = newId();
    await store.set(plain, record(), { ttlMs: MINUTE });
    await expect(store.get(plain)).resolves.toMatchObject({ version: 1 });
    await expect(store.set(newId(), record({ tag: 'ada' }), { ttlMs: MINUTE })).rejects.toThrow(/no "tag" column.*AddSessionTag.*make:session-tag/s);
    await expect(store.findTagged('ada')).rejects.toThrow(/AddSessionTag/);

    await dataSource.runMigrations(); // CreateSessionTable skips the existing table; AddSessionTag adds the column
    expect(await runner.hasColumn('sessions', 'tag')).toBe(true);
    const tagged = newId();
    await store.set(tagged, record({ tag: 'ada' }), { ttlMs: MINUTE });
    expect((await store.findTagged('ada')).map(({ id }) => id)).toEqual([tagged]);
    await expect(store.get(plain)).resolves.toMatchObject({ version: 1 }); // rows from before are kept
    await runner.release();
    await store.close();
  });

  it('AddSessionTag skips a table that has the column (new tables do), and a table not made yet; down drops the column and index', async () => {
    const runner = dataSource.createQueryRunner();
    await new AddSessionTag().up(runner); // no table yet: nothing to do, no error
    expect(await runner.hasTable('sessions')).toBe(false);
    await dataSource.runMigrations();
    await new AddSessionTag().up(runner); // again: already there
    const table = (await runner.getTable('sessions'))!;
    expect(table.indices.filter((index) => index.name === 'IDX_sessions_tag')).toHaveLength(1);
    await new AddSessionTag().down(runner);
    expect(await runner.hasColumn('sessions', 'tag')).toBe(false);
    await runner.release();
  });

  it("finds a user's sessions through the tag index, among 5000 rows of other users", async () => {
    await dataSource.runMigrations();
    const queries: { sql: string; parameters: unknown[] }[] = [];
    const logged = await new DataSource({
      ...db.options,
      logger: { logQuery: (sql: string, parameters?: unknown[]) => void queries.push({ sql, parameters: parameters ?? [] }), logQueryError() {}, logQuerySlow() {}, logSchemaBuild() {}, logMigration() {}, log() {} },
    } as DataSourceOptions).initialize();
    try {
      const expiresAt = Date.now() + 60 * MINUTE;
      for (let batch = 0; batch < 10; batch++) {
        const rows = Array.from({ length: 500 }, (_, i) => {
          const tag = `user-${batch}-${i}`;
          return { id: newId(), data: JSON.stringify({ data: {}, flash: {}, tag }), version: 1, createdAt: Date.now(), expiresAt, tag };
        });
        await logged.createQueryBuilder().insert().into('sessions', ['id', 'data', 'version', 'createdAt', 'expiresAt', 'tag']).values(rows).execute();
      }
      await logged.query(logged.options.type === 'postgres' ? 'ANALYZE sessions' : 'ANALYZE');
      const store = new TypeOrmStore({ dataSource: logged, pruneIntervalMs: 0 });
      expect(await store.findTagged('user-3-7')).toHaveLength(1);
      const find = queries.findLast((query) => /^SELECT .* FROM "sessions".*"tag" =/.test(query.sql))!;
      const explain = logged.options.type === 'postgres' ? 'EXPLAIN' : 'EXPLAIN QUERY PLAN';
      const plan = JSON.stringify(await logged.query(`${explain} ${find.sql}`, find.parameters));
      expect(plan).toMatch(/IDX_sessions_tag/);
      expect(plan).not.toMatch(/Seq Scan|SCAN sessions"/);
    } finally {
      await logged.destroy();
    }
  });
});

describe('nest-sessions make:session-tag (the CLI)', () => {
  const repo = fileURLToPath(new URL('../../', import.meta.url));
  let project: string;
  const run = (args: string[], file = join(repo, 'bin', 'nest-sessions.js')) =>
    promisify(execFile)(process.execPath, [file, ...args], { cwd: project }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'nest-sessions-cli-tag-'));
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await symlink(join(repo, 'node_modules'), join(project, 'node_modules'), 'dir');
  });
  afterAll(() => rm(project, { recursive: true, force: true }));

  it('writes a migration that compiles and adds the tag column to an old table, as AddSessionTag does; refuses a second one', async () => {
    const written = await run(['make:session-tag']);
    expect(written).toMatchObject({ code: 0, stderr: '' });
    const files = await readdir(join(project, 'src', 'migrations'));
    expect(files).toEqual([expect.stringMatching(/^\d{13}-AddSessionTag\.ts$/)]);
    const tsconfig = {
      compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', verbatimModuleSyntax: true, skipLibCheck: true, types: [], rootDir: 'src', outDir: 'dist' },
      include: ['src'],
    };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    await expect(run(['-p', 'tsconfig.json'], join(repo, 'node_modules', 'typescript', 'bin', 'tsc'))).resolves.toEqual({ code: 0, stdout: '', stderr: '' });

    const file = join(project, 'old.sqlite');
    const old = await new DataSource({ type: 'better-sqlite3', database: file }).initialize();
    await old.createQueryRunner().createTable(OLD_TABLE);
    await old.destroy();
    const output = join(project, 'dist', 'migrations', files[0]!.replace(/\.ts$/, '.js'));
    await writeFile(
      join(project, 'migrate.mjs'),
      `import { DataSource } from 'typeorm';
import * as migrations from ${JSON.stringify(output)};
const dataSource = await new DataSource({ type: 'better-sqlite3', database: process.argv[2], migrations: Object.values(migrations) }).initialize();
await dataSource.runMigrations();
const table = await dataSource.createQueryRunner().getTable('sessions');
console.log(JSON.stringify({ tag: table.columns.some((c) => c.name === 'tag' && c.isNullable), index: table.indices.map((i) => i.name).includes('IDX_sessions_tag') }));
await dataSource.destroy();
`,
    );
    const migrated = await run([file], join(project, 'migrate.mjs'));
    expect(migrated).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(migrated.stdout)).toEqual({ tag: true, index: true });

    const again = await run(['make:session-tag']);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining('already exists') });
    expect((await run(['--help'])).stdout).toContain('make:session-tag');
  }, 120_000);
});
