import { SESSION_TABLE_NAME } from '../../../bin/session-table.js';

/** Runs `query`; a missing table is a setup mistake, so its error says how to fix it (the original stays as `cause`). */
export async function explained<T>(query: Promise<T>): Promise<T> {
  try {
    return await query;
  } catch (error) {
    const { message, code } = error as { message?: string; code?: string };
    const missingTable = code === '42P01' || code === 'ER_NO_SUCH_TABLE' || /no such table/i.test(message ?? ''); // PostgreSQL, MySQL, SQLite
    if (!missingTable) throw error;
    throw new Error(
      `TypeOrmStore: the "${SESSION_TABLE_NAME}" table is missing (${message}). Run the CreateSessionTable migration from ` +
        `'nest-sessions/typeorm', or write it into your project with \`npx nest-sessions make:session-table\`.`,
      { cause: error },
    );
  }
}
