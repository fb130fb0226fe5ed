import { Column, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';
import { SESSION_INDEX_NAMES, SESSION_TABLE_NAME } from '../../../bin/session-table.js';

/** bigint columns: PostgreSQL hands them back as strings, SQLite as numbers; epoch ms fit a double either way. */
const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? value : Number(value)),
};

/**
 * One row of the `sessions` table that `TypeOrmStore` reads and writes; the
 * schema is the one the `CreateSessionTable` migration creates. Register it
 * (`entities: [SessionEntity]` or `TypeOrmModule.forFeature([SessionEntity])`)
 * only if you want a repository for it, e.g. for an admin page: the store
 * itself needs just the table. Column names are explicit, so a naming strategy
 * (snake_case and the like) does not move them away from the migration's.
 */
@Entity(SESSION_TABLE_NAME)
export class SessionEntity {
  /** The session id (43 base64url characters). */
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 64 })
  id!: string;

  /** JSON of `{ data, flash }`, with the session's own lifetime, tag and device when it has them. */
  @Column({ name: 'data', type: 'text' })
  data!: string;

  /** Bumped by every write; compare-and-set compares it. */
  @Column({ name: 'version', type: 'integer' })
  version!: number;

  /** Epoch ms when the session was created. */
  @Column({ name: 'createdAt', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  /** Epoch ms after which the session is dead; indexed for pruning. */
  @Index(SESSION_INDEX_NAMES.expiresAt)
  @Column({ name: 'expiresAt', type: 'bigint', transformer: epochMs })
  expiresAt!: number;

  /**
   * The signed-in user, copied on every write from `data.user.id` or else
   * `data.userId` (a string, or a number stored as its decimal text; anything
   * else, or longer than 255 characters, is stored as null). Indexed so all of
   * a user's sessions can be found or deleted at once ("sign out everywhere":
   * `TypeOrmStore.destroyByUserId`).
   */
  @Index(SESSION_INDEX_NAMES.userId)
  @Column({ name: 'userId', type: 'varchar', length: 255, nullable: true })
  userId!: string | null;

  /** The user `session.tag(userId)` tagged the session with (the AddSessionTag migration adds it); indexed for `UserSessions`. */
  @Index(SESSION_INDEX_NAMES.tag)
  @Column({ name: 'tag', type: 'varchar', length: 255, nullable: true })
  tag!: string | null;
}
