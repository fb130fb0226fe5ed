import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import net from 'node:net';
import { freePort, HOST, waitFor } from './free-port.js';

export interface RedisServer {
  readonly url: string;
  /** A client of our own, for statistics and bulk loading; not the apps' client. */
  readonly admin: Redis;
  /** Zeroes INFO commandstats, so the next `commandStats()` covers only what came after. */
  resetStats(): Promise<void>;
  /** Calls per command since the last reset, as `INFO commandstats` reports them (script-internal calls included). */
  commandStats(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** Commands the harness itself sends; left out of the per-request counts. */
const OWN_COMMANDS = new Set(['info', 'config|resetstat', 'config', 'flushall', 'ping', 'client|setname', 'client|setinfo', 'select', 'hello']);

/**
 * Starts a throw-away redis-server on a free loopback port (no persistence),
 * as test/setup/redis-server.mjs does for the tests.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-bench-redis-'));
  const port = await freePort();
  const logfile = join(dir, 'redis.log');
  const child = spawn('redis-server', ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', logfile], {
    stdio: 'ignore',
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
  const url = `redis://${HOST}:${port}`;
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  admin.on('error', () => undefined);
  const stop = async () => {
    admin.disconnect();
    if (!exited) {
      child.kill('SIGTERM'); // only the process we started
      await exit;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      spawnFailed,
      waitFor(`redis-server on ${url}`, async () => {
        if (exited) throw new Error(`redis-server exited: ${await readFile(logfile, 'utf8').catch(() => '(no log)')}`);
        return canConnect(port);
      }),
    ]);
    await admin.connect();
  } catch (error) {
    await stop();
    throw new Error(`Could not start redis-server (apt-get install -y redis-server): ${(error as Error).message}`, { cause: error });
  }
  return {
    url,
    admin,
    resetStats: async () => void (await admin.config('RESETSTAT')),
    commandStats: async () => parseCommandStats(await admin.info('commandstats')),
    stop,
  };
}

function parseCommandStats(info: string): Record<string, number> {
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const name = match[1]!.toLowerCase();
    if (!OWN_COMMANDS.has(name)) calls[name] = Number(match[2]);
  }
  return calls;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
