import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { SESSION_INDEX_NAMES, SESSION_TABLE_NAME, TAG_MIGRATION_TIMESTAMP, tagColumnOptions, tagIndexOptions } from '../../../bin/session-table.js';

/**
 * Adds the indexed `tag` column (where TypeOrmStore keeps `session.tag(userId)`,
 * so `UserSessions` finds a user's sessions with one indexed query) to a
 * `sessions` table that `CreateSessionTable` made before the column existed.
 * List it after `CreateSessionTable`: it skips what the table already has
 * (tables made now have the column), and a table not made yet. `down` drops
 * the index and the column.
 *
 * Or write a copy into your project with `npx nest-sessions make:session-tag`:
 * both come from the definition in `bin/session-table.js`.
 */
export class AddSessionTag implements MigrationInterface {
  /** TypeORM orders and records migrations by a name ending in a 13-digit timestamp: right after CreateSessionTable's. */
  name = `AddSessionTag${TAG_MIGRATION_TIMESTAMP}`;

  /** Adds the column and its index where missing. */
  async up(queryRunner: QueryRunner): Promise<void> {
    if (!(await queryRunner.hasTable(SESSION_TABLE_NAME))) return; // CreateSessionTable, when it runs, makes the column
    if (!(await queryRunner.hasColumn(SESSION_TABLE_NAME, 'tag'))) {
      await queryRunner.addColumn(SESSION_TABLE_NAME, new TableColumn(tagColumnOptions()));
    }
    const table = await queryRunner.getTable(SESSION_TABLE_NAME);
    if (!table?.indices.some((index) => index.name === SESSION_INDEX_NAMES.tag)) {
      await queryRunner.createIndex(SESSION_TABLE_NAME, new TableIndex(tagIndexOptions()));
    }
  }

  /** Drops the index and the column. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex(SESSION_TABLE_NAME, SESSION_INDEX_NAMES.tag);
    await queryRunner.dropColumn(SESSION_TABLE_NAME, 'tag');
  }
}
