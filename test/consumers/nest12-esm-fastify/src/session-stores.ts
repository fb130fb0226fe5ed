// The server stores this app could move to. Imported for their types only:
// `tsc` fails here with TS2307 if the package's subpath types do not resolve
// under this tsconfig's module resolution.
import type { RedisStore, RedisStoreOptions } from 'nest-sessions/redis';
import type { SessionEntity, TypeOrmStore } from 'nest-sessions/typeorm';

export type ServerStore = RedisStore | TypeOrmStore;
export type ServerStoreOptions = RedisStoreOptions;
export type SessionRow = SessionEntity;
