/** `nest-sessions/redis`: the Redis store. A separate entry so that apps which never import it never load ioredis. */
export { RedisStore, type RedisStoreOptions } from './stores/redis.store.js';
