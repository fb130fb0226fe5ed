// Plain ESM JavaScript (see services.mjs): Jest loads global setup through Node's own loader.
import { spawn } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.mjs';

const HOST = '127.0.0.1';

/** Discovered by services.mjs: one standalone redis-server, published as REDIS_URL. */
export const start = startRedis;

/** @returns {Promise<{ name: string; stop(): Promise<void> }>} */
export async function startRedis() {
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-redis-'));
  try {
    const node = await spawnNode(dir, []);
    process.env.REDIS_URL = `redis://${HOST}:${node.port}`;
    return {
      name: `redis-server on ${HOST}:${node.port}`,
      async stop() {
        await node.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Three masters, 16384 slots split between them, no replicas; published as
 * REDIS_CLUSTER_NODES. The bus port is chosen explicitly (`cluster-port`):
 * port + 10000 would overflow for ports from the ephemeral range.
 * @returns {Promise<{ name: string; stop(): Promise<void> }>}
 */
export async function startRedisCluster() {
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-redis-cluster-'));
  const nodes = [];
  const stop = async () => {
    for (const node of nodes) await node.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await spawnNode(dir, (port, busPort) => [
          '--cluster-enabled', 'yes',
          '--cluster-port', String(busPort),
          '--cluster-config-file', join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout', '2000',
        ]),
      );
    }
    const ranges = [[0, 5460], [5461, 10922], [10923, 16383]];
    for (const [i, node] of nodes.entries()) await command(node.port, 'CLUSTER', 'ADDSLOTSRANGE', ...ranges[i].map(String));
    for (const node of nodes.slice(1)) await command(nodes[0].port, 'CLUSTER', 'MEET', HOST, String(node.port), String(node.busPort));
    await waitFor('cluster_state:ok on every node', async () => {
      for (const node of nodes) {
        const info = await command(node.port, 'CLUSTER', 'INFO');
        if (!info.includes('cluster_state:ok') || !info.includes('cluster_known_nodes:3')) return false;
      }
      return true;
    });
    process.env.REDIS_CLUSTER_NODES = nodes.map((node) => `${HOST}:${node.port}`).join(',');
    return { name: `Redis Cluster on ${process.env.REDIS_CLUSTER_NODES}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Spawns one redis-server on a free port and waits until it answers PING; retries if the port was taken meanwhile. */
async function spawnNode(dir, extraArgs) {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const busPort = await freePort();
    const logfile = join(dir, `redis-${port}.log`);
    const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', logfile];
    const child = spawn('redis-server', [...args, ...(typeof extraArgs === 'function' ? extraArgs(port, busPort) : extraArgs)], {
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let dead = false;
    exited.then(() => (dead = true));
    const spawnError = new Promise((_, reject) => child.once('error', reject));
    const stop = async () => {
      if (dead) return;
      child.kill('SIGTERM'); // only the process we started, by its handle (its PID)
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    };
    try {
      await Promise.race([
        spawnError,
        waitFor(`redis-server on port ${port}`, async () => {
          if (dead) throw new Error(`redis-server exited early: ${await readFile(logfile, 'utf8').catch(() => '(no log)')}`);
          return (await command(port, 'PING').catch(() => '')) === 'PONG';
        }),
      ]);
      return { port, busPort, stop };
    } catch (error) {
      lastError = error;
      await stop();
      if (error?.code === 'ENOENT') break;
    }
  }
  throw new Error(`Could not start redis-server (apt-get install -y redis-server): ${lastError?.message ?? lastError}`, {
    cause: lastError,
  });
}

async function waitFor(what, check, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sends one command over a fresh connection and resolves its reply (simple, integer or bulk string) as text. */
function command(port, ...args) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port });
    let buffer = Buffer.alloc(0);
    const done = (error, value) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(value);
    };
    socket.setTimeout(2_000, () => done(new Error(`${args[0]} to port ${port} timed out`)));
    socket.once('error', (error) => done(error));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const eol = buffer.indexOf('\r\n');
      if (eol === -1) return;
      const head = buffer.subarray(1, eol).toString();
      const type = String.fromCharCode(buffer[0]);
      if (type === '-') return done(new Error(`${args.join(' ')}: ${head}`));
      if (type !== '$') return done(null, head);
      const length = Number(head);
      if (length < 0) return done(null, null);
      if (buffer.length >= eol + 2 + length + 2) done(null, buffer.subarray(eol + 2, eol + 2 + length).toString());
    });
    const encoded = args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('');
    socket.write(`*${args.length}\r\n${encoded}`);
  });
}
