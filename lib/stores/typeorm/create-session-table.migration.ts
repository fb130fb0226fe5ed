import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { MIGRATION_TIMESTAMP, sessionIndexOptions, sessionTableOptions } from '../../../bin/session-table.js';

/**
 * Creates the `sessions` table TypeOrmStore uses, with indexes on `expiresAt`
 * (pruning), `userId` and `tag` (`UserSessions`); `down` drops it. Tables
 * made before the `tag` column existed get it from `AddSessionTag`. Portable: built with TypeORM's
 * Table/TableIndex API, tested on SQLite (better-sqlite3) and PostgreSQL.
 *
 * Add it to your DataSource's `migrations`, or write a copy into your project
 * with `npx nest-sessions make:session-table`. Both are built from the one
 * table definition in `bin/session-table.js`, so they create the same schema.
 */
export class CreateSessionTable implements MigrationInterface {
  /** TypeORM orders and records migrations by a name ending in a 13-digit timestamp. */
  name = `CreateSessionTable${MIGRATION_TIMESTAMP}`;

  /** Creates the table and its indexes, unless the table exists. */
  async up(queryRunner: QueryRunner): Promise<void> {
    const indices = sessionIndexOptions().map((index) => new TableIndex(index));
    await queryRunner.createTable(new Table({ ...sessionTableOptions(), indices }), true);
  }

  /** Drops the table, if it exists. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable(sessionTableOptions().name, true);
  }
}
