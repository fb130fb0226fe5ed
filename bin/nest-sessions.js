#!/usr/bin/env node
// The nest-sessions command line. Plain ESM JavaScript: it runs from the
// installed package without a TypeScript build.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderMigration, renderTagMigration } from './session-table.js';

/** What each command writes: its default class name and the source of the migration. */
const MIGRATIONS = {
  'make:session-table': {
    name: 'CreateSessionTable',
    render: renderMigration,
    then: "Then use the table: new TypeOrmStore({ dataSource }) from 'nest-sessions/typeorm'.",
  },
  'make:session-tag': {
    name: 'AddSessionTag',
    render: renderTagMigration,
    then: 'It adds the tag column to a sessions table made before it existed (it skips what the table has): session.tag() and UserSessions then work on TypeOrmStore.',
  },
};

const USAGE = `Usage: nest-sessions <command> [options]

Commands:
  make:session-table   Write a TypeORM migration that creates the sessions table
                       TypeOrmStore uses (the same schema as CreateSessionTable
                       from 'nest-sessions/typeorm').
  make:session-tag     Write a TypeORM migration that adds the indexed tag column
                       session.tag() and UserSessions need to a sessions table
                       made before it existed (the same as AddSessionTag).
                       Tables made by make:session-table now have it.

Options for both:
  --dir <path>         Folder for the migration file (created if missing).
                       Default: src/migrations
  --name <ClassName>   Migration class name; the timestamp is appended.
                       Default: CreateSessionTable, AddSessionTag
  -h, --help           Show this help.
`;

/** Runs the CLI; resolves the exit code. */
async function main(argv, { cwd = process.cwd(), now = Date.now, out = console.log, err = console.error } = {}) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { dir: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    err(`${error.message}\n\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    out(USAGE);
    return 0;
  }
  if (!Object.hasOwn(MIGRATIONS, command ?? '') || rest.length > 0) {
    err(`${command ? `Unknown command: ${[command, ...rest].join(' ')}` : 'No command given.'}\n\n${USAGE}`);
    return 1;
  }
  return makeMigration(MIGRATIONS[command], values, { cwd, now, out, err });
}

async function makeMigration(migration, values, { cwd, now, out, err }) {
  const baseName = values.name ?? migration.name;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(baseName)) {
    err(`--name must be a TypeScript class name (letters, digits or _, not starting with a digit); got "${baseName}".`);
    return 1;
  }
  const stem = baseName.replace(/\d{13}$/, '');
  const timestamp = String(now());
  const dir = resolve(cwd, values.dir ?? 'src/migrations');
  const existing = existsSync(dir) ? readdirSync(dir).find((file) => new RegExp(`^\\d{13}-${stem}\\.[cm]?[jt]s$`).test(file)) : undefined;
  if (existing) {
    err(`A ${stem} migration already exists: ${resolve(dir, existing)}\nNothing written. Remove it first, or pass --name for a different migration.`);
    return 1;
  }
  const file = resolve(dir, `${timestamp}-${stem}.ts`);
  await mkdir(dir, { recursive: true });
  try {
    await writeFile(file, migration.render({ className: `${stem}${timestamp}` }), { flag: 'wx' });
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
    err(`${file} already exists; nothing written.`);
    return 1;
  }
  out(`Wrote ${relative(cwd, file) || file}

Next: run it with your migrations, for example
  npx typeorm migration:run -d <path to your DataSource file>
or list it in your DataSource's "migrations" (with migrationsRun: true in TypeOrmModule.forRoot).
${migration.then}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
