import { Logger } from '@nestjs/common';
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { SESSION_TABLE_NAME } from '../../../bin/session-table.js';
import { isSessionId } from '../../http/session-id.js';
import type { SessionStore, StoreDestroyOptions, StoreSetOptions, StoredSession, TaggedSession } from '../session-store.js';
import { explained } from './missing-table.js';
import { rowValues, toSession, type SessionRow } from './session-row.js';
import { TagColumn } from './tag-column.js';

/** Options of `new TypeOrmStore(...)`. */
export interface TypeOrmStoreOptions {
  /**
   * Your DataSource (for @nestjs/typeorm: inject `getDataSourceToken()`). The
   * store only runs queries on it: initialising and destroying it stay yours.
   * The `sessions` table must exist: run the `CreateSessionTable` migration.
   */
  dataSource: DataSource;
  /** How often expired rows are deleted, in ms; 0 disables the timer (call `prune()` yourself). @default 600_000 (10 minutes) */
  pruneIntervalMs?: number;
}

/**
 * Sessions in a SQL table through TypeORM: SQLite (better-sqlite3) and
 * PostgreSQL are tested. Every operation is one statement found by the
 * primary key; compare-and-set is `UPDATE … WHERE id = ? AND version = ?`,
 * so it holds across processes. Expired rows read as missing and are deleted
 * by `prune()`, which runs on an unref'd timer.
 */
export class TypeOrmStore implements SessionStore {
  private readonly dataSource: DataSource;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly logger = new Logger(TypeOrmStore.name);
  private readonly tagColumn: TagColumn;
  private pruning = false;

  constructor(options: TypeOrmStoreOptions) {
    if (!options?.dataSource) throw new TypeError('TypeOrmStore needs { dataSource }: a TypeORM DataSource whose database has the sessions table.');
    this.dataSource = options.dataSource;
    this.tagColumn = new TagColumn(this.dataSource);
    const interval = options.pruneIntervalMs ?? 600_000;
    if (!Number.isInteger(interval) || interval < 0 || interval > 2 ** 31 - 1) {
      throw new TypeError(`TypeOrmStore pruneIntervalMs must be a whole number of ms (0 disables pruning); got ${options.pruneIntervalMs}.`);
    }
    if (interval > 0) {
      this.timer = setInterval(() => void this.scheduledPrune(), interval);
      this.timer.unref();
    }
  }

  /** One SELECT by id; an expired or unreadable row reads as undefined. */
  async get(id: string): Promise<StoredSession | undefined> {
    if (!isSessionId(id)) return undefined;
    const qb = this.dataSource.createQueryBuilder();
    const row = await explained(this.select(qb).where(`${qb.escape('id')} = :id`, { id }).getRawOne<SessionRow>());
    return row ? toSession(row, Date.now()) : undefined;
  }

  /** An upsert, or with `ifVersion` an `UPDATE … WHERE version = ?`. Throws `TypeError` for an id that is not a session id. */
  async set(id: string, session: StoredSession, options: StoreSetOptions): Promise<boolean> {
    if (!isSessionId(id)) throw new TypeError('TypeOrmStore refuses to store a session under an id that is not a session id.');
    const { tag } = session;
    if (tag !== undefined) await this.tagColumn.require();
    const values = rowValues(session, tag !== undefined || (await this.tagColumn.present()));
    const qb = this.dataSource.createQueryBuilder();
    if (options.ifVersion !== undefined) {
      // A missing or expired row matches nothing: a session another request destroyed stays destroyed.
      const update = qb
        .update(SESSION_TABLE_NAME)
        .set(values)
        .where(`${qb.escape('id')} = :id AND ${qb.escape('version')} = :ifVersion AND ${qb.escape('expiresAt')} > :now`, {
          id,
          ifVersion: options.ifVersion,
          now: Date.now(),
        });
      const result = await explained(update.execute());
      return result.affected === 1;
    }
    const upsert = qb
      .insert()
      .into(SESSION_TABLE_NAME, ['id', ...Object.keys(values)])
      .values({ id, ...values })
      .orUpdate(Object.keys(values), ['id']);
    await explained(upsert.execute());
    return true;
  }

  /** Updates `expiresAt` of a live row. */
  async touch(id: string, expiresAt: number): Promise<void> {
    if (!isSessionId(id)) return;
    const qb = this.dataSource.createQueryBuilder();
    const update = qb
      .update(SESSION_TABLE_NAME)
      .set({ expiresAt })
      .where(`${qb.escape('id')} = :id AND ${qb.escape('expiresAt')} > :now`, { id, now: Date.now() });
    await explained(update.execute());
  }

  /** Deletes the row (with `ifVersion`, only at that version). */
  async destroy(id: string, options: StoreDestroyOptions = {}): Promise<boolean> {
    if (!isSessionId(id)) return true;
    const { ifVersion } = options;
    const qb = this.dataSource.createQueryBuilder();
    const where = ifVersion === undefined ? `${qb.escape('id')} = :id` : `${qb.escape('id')} = :id AND ${qb.escape('version')} = :ifVersion`;
    const result = await explained(qb.delete().from(SESSION_TABLE_NAME).where(where, { id, ifVersion }).execute());
    if (ifVersion === undefined || (result.affected ?? 0) > 0) return true;
    return (await this.get(id)) === undefined; // nothing deleted: fine if it is gone, a conflict if another version is there
  }

  /** Deletes every session of one user (see `SessionEntity.userId`): "sign out everywhere". Resolves how many. */
  async destroyByUserId(userId: string | number): Promise<number> {
    const qb = this.dataSource.createQueryBuilder();
    const result = await explained(qb.delete().from(SESSION_TABLE_NAME).where(`${qb.escape('userId')} = :userId`, { userId: String(userId) }).execute());
    return result.affected ?? 0;
  }

  /** The user's live sessions: one query through the `tag` index, the row itself being the index entry. */
  async findTagged(tag: string): Promise<TaggedSession[]> {
    await this.tagColumn.require();
    const qb = this.dataSource.createQueryBuilder();
    const where = `${qb.escape('tag')} = :tag AND ${qb.escape('expiresAt')} > :now`;
    const rows = await explained(this.select(qb).addSelect(qb.escape('id'), 'id').where(where, { tag, now: Date.now() }).getRawMany<SessionRow & { id: string }>());
    const found: TaggedSession[] = [];
    for (const row of rows) {
      const session = toSession(row, Date.now());
      if (session?.tag === tag && session.movedTo === undefined) found.push({ id: row.id, session });
    }
    return found;
  }

  /** Deletes expired rows; resolves how many. */
  async prune(): Promise<number> {
    const qb = this.dataSource.createQueryBuilder();
    const result = await explained(qb.delete().from(SESSION_TABLE_NAME).where(`${qb.escape('expiresAt')} <= :now`, { now: Date.now() }).execute());
    return result.affected ?? 0;
  }

  /** Stops the prune timer. The DataSource is yours: it stays open. */
  async close(): Promise<void> {
    clearInterval(this.timer);
  }

  private select(qb: SelectQueryBuilder<object>): SelectQueryBuilder<object> {
    const columns = ['data', 'version', 'createdAt', 'expiresAt'].map((name) => `${qb.escape(name)} AS ${qb.escape(name)}`);
    return qb.select(columns).from(SESSION_TABLE_NAME, SESSION_TABLE_NAME);
  }

  private async scheduledPrune(): Promise<void> {
    if (this.pruning || !this.dataSource.isInitialized) return;
    this.pruning = true;
    try {
      await this.prune();
    } catch (error) {
      this.logger.error(`Pruning expired sessions failed: ${(error as Error).message}`);
    } finally {
      this.pruning = false;
    }
  }
}
