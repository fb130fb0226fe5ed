import type { DataSource } from 'typeorm';
import { SESSION_TABLE_NAME } from '../../../bin/session-table.js';

/**
 * Whether the `sessions` table has the `tag` column yet (the AddSessionTag
 * migration). Checked once; a table without it keeps working for untagged
 * sessions, and tagging fails with an error that names the migration. A
 * missing column is checked again when tagging needs it, so migrating a
 * running app works without a restart.
 */
export class TagColumn {
  private known: Promise<boolean> | undefined;

  constructor(private readonly dataSource: DataSource) {}

  present(): Promise<boolean> {
    return (this.known ??= this.check());
  }

  /** Resolves once the column exists; rejects with the fix when it does not. */
  async require(): Promise<void> {
    if (await this.present()) return;
    this.known = undefined;
    if (await this.present()) return;
    throw new Error(
      `TypeOrmStore: the "${SESSION_TABLE_NAME}" table has no "tag" column, which session.tag() and UserSessions need. Run the AddSessionTag ` +
        "migration from 'nest-sessions/typeorm' after CreateSessionTable, or write it into your project with `npx nest-sessions make:session-tag`.",
    );
  }

  private async check(): Promise<boolean> {
    const runner = this.dataSource.createQueryRunner();
    try {
      return await runner.hasColumn(SESSION_TABLE_NAME, 'tag');
    } catch (error) {
      this.known = undefined; // the database is away: ask again next time
      throw error;
    } finally {
      await runner.release();
    }
  }
}
