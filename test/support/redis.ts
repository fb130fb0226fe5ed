import { Redis, type RedisOptions } from 'ioredis';

/**
 * The Redis servers the Jest global setup started (test/setup/redis-server.mjs
 * and redis-cluster-server.mjs), as published through environment variables.
 */
export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) {
    throw new Error(
      'REDIS_URL is not set: the Redis test server did not start. Run the suites through Jest (its global setup ' +
        'starts redis-server; install it with `apt-get install -y redis-server`) and check the setup output.',
    );
  }
  return url;
}

/** The 3-node Redis Cluster's seed nodes, ready for `new Cluster(clusterNodes())`. */
export function clusterNodes(): { host: string; port: number }[] {
  const nodes = process.env.REDIS_CLUSTER_NODES;
  if (!nodes) {
    throw new Error(
      'REDIS_CLUSTER_NODES is not set: the Redis Cluster test servers did not start. Run the suites through Jest ' +
        '(its global setup starts a 3-node cluster with redis-server) and check the setup output.',
    );
  }
  return nodes.split(',').map((node) => {
    const [host, port] = node.split(':');
    return { host: host!, port: Number(port) };
  });
}

/**
 * An ioredis client of a test's own redis-server on `port`, connected: errors
 * while the server is killed or paused are the test's subject, not noise.
 */
export async function connectedClient(port: number, options: RedisOptions): Promise<Redis> {
  const client = new Redis({ port, host: '127.0.0.1', ...options });
  client.on('error', () => undefined);
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}
