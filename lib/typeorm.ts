/**
 * `nest-sessions/typeorm`: the TypeORM store, its entity and its migrations.
 * A separate entry so that apps which never import it never load TypeORM.
 */
export { TypeOrmStore, type TypeOrmStoreOptions } from './stores/typeorm/typeorm.store.js';
export { SessionEntity } from './stores/typeorm/session.entity.js';
export { CreateSessionTable } from './stores/typeorm/create-session-table.migration.js';
export { AddSessionTag } from './stores/typeorm/add-session-tag.migration.js';
