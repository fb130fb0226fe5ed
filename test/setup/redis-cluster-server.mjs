// Discovered by services.mjs: a 3-node Redis Cluster, published as REDIS_CLUSTER_NODES.
export { startRedisCluster as start } from './redis-server.mjs';
