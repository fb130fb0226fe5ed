// The one definition of the sessions table. Both the library's
// `CreateSessionTable` migration (lib/stores/typeorm/) and the migration file
// `nest-sessions make:session-table` writes into a user's project are built
// from the data below, so the two cannot drift apart. Plain ESM JavaScript
// (typed by session-table.d.ts): the CLI runs without a TypeScript build, and
// it ships in the package's `bin/` folder, which dist/ reaches at the same
// relative path as lib/ does.

/** Table name used by the migration, SessionEntity and TypeOrmStore. */
export const SESSION_TABLE_NAME = 'sessions';

/** Index names, fixed so the entity and the migration agree (no generated hashes). */
export const SESSION_INDEX_NAMES = Object.freeze({
  expiresAt: 'IDX_sessions_expiresAt',
  userId: 'IDX_sessions_userId',
  tag: 'IDX_sessions_tag',
});

/** The timestamp TypeORM orders the library migration by. */
export const MIGRATION_TIMESTAMP = 1700000000000;

/** The timestamp of the migration that adds the `tag` column: right after the table's. */
export const TAG_MIGRATION_TIMESTAMP = 1700000000001;

/** TypeORM `TableOptions` (columns) as plain data: portable types only, so SQLite and PostgreSQL both take it. */
export function sessionTableOptions() {
  return {
    name: SESSION_TABLE_NAME,
    columns: [
      { name: 'id', type: 'varchar', length: '64', isPrimary: true },
      { name: 'data', type: 'text' },
      { name: 'version', type: 'integer' },
      { name: 'createdAt', type: 'bigint' },
      { name: 'expiresAt', type: 'bigint' },
      { name: 'userId', type: 'varchar', length: '255', isNullable: true },
      tagColumnOptions(),
    ],
  };
}

/** TypeORM `TableIndexOptions` for the table. */
export function sessionIndexOptions() {
  return [
    { name: SESSION_INDEX_NAMES.expiresAt, columnNames: ['expiresAt'] },
    { name: SESSION_INDEX_NAMES.userId, columnNames: ['userId'] },
    tagIndexOptions(),
  ];
}

/**
 * The `tag` column `session.tag(userId)` writes and `UserSessions` looks
 * sessions up by, with its index. New tables are created with it; tables
 * created before it existed get it from the AddSessionTag migration.
 */
export function tagColumnOptions() {
  return { name: 'tag', type: 'varchar', length: '255', isNullable: true };
}

export function tagIndexOptions() {
  return { name: SESSION_INDEX_NAMES.tag, columnNames: ['tag'] };
}

/** The TypeScript source of a self-contained migration that adds the tag column and its index (imports only from 'typeorm'). */
export function renderTagMigration({ className }) {
  return `import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Adds the column nest-sessions' TypeOrmStore keeps session.tag(userId) in,
 * indexed, so UserSessions finds a user's sessions ("Your devices",
 * "sign out other devices"), to a sessions table created before it existed.
 * Skips what the table already has, and a table not created yet (its own
 * migration will create the column).
 * Written by \`nest-sessions make:session-tag\`; the same as the
 * \`AddSessionTag\` migration exported by 'nest-sessions/typeorm'.
 */
export class ${className} implements MigrationInterface {
  name = ${literal(className)};

  public async up(queryRunner: QueryRunner): Promise<void> {
    if (!(await queryRunner.hasTable(${literal(SESSION_TABLE_NAME)}))) return;
    if (!(await queryRunner.hasColumn(${literal(SESSION_TABLE_NAME)}, 'tag'))) {
      await queryRunner.addColumn(${literal(SESSION_TABLE_NAME)}, new TableColumn(${literal(tagColumnOptions())}));
    }
    const table = await queryRunner.getTable(${literal(SESSION_TABLE_NAME)});
    if (!table?.indices.some((index) => index.name === ${literal(SESSION_INDEX_NAMES.tag)})) {
      await queryRunner.createIndex(${literal(SESSION_TABLE_NAME)}, new TableIndex(${literal(tagIndexOptions())}));
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex(${literal(SESSION_TABLE_NAME)}, ${literal(SESSION_INDEX_NAMES.tag)});
    await queryRunner.dropColumn(${literal(SESSION_TABLE_NAME)}, 'tag');
  }
}
`;
}

/** The TypeScript source of a self-contained migration (imports only from 'typeorm'). */
export function renderMigration({ className }) {
  const { name, columns } = sessionTableOptions();
  const columnLines = columns.map((column) => `          ${literal(column)},`).join('\n');
  const indexLines = sessionIndexOptions()
    .map((index) => `          new TableIndex(${literal(index)}),`)
    .join('\n');
  return `import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Creates the table nest-sessions' TypeOrmStore keeps sessions in, with indexes
 * on expiresAt (pruning), userId and tag (UserSessions: "your devices").
 * Written by \`nest-sessions make:session-table\`; the same schema as the
 * \`CreateSessionTable\` migration exported by 'nest-sessions/typeorm'.
 */
export class ${className} implements MigrationInterface {
  name = ${literal(className)};

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: ${literal(name)},
        columns: [
${columnLines}
        ],
        indices: [
${indexLines}
        ],
      }),
      true,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable(${literal(name)}, true);
  }
}
`;
}

/** A one-line TypeScript literal for plain data: unquoted keys, single-quoted strings. */
function literal(value) {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{ ${Object.entries(value).map(([key, item]) => `${key}: ${literal(item)}`).join(', ')} }`;
  }
  return String(value);
}
