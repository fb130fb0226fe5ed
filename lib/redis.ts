export { RedisStore, type RedisStoreOptions } from './stores/redis.store.js';
