import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/**
 * A PostgreSQL of the test's own (as test/setup/postgres-server.mjs starts the
 * shared one), so a test can stop and start it without disturbing other
 * suites. As root every binary runs as the `postgres` user through runuser.
 * Unlike the shared server it keeps fsync and synchronous commits on: what it
 * acknowledged survives a stop.
 */
export class ThrowawayPostgres {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<ThrowawayPostgres> {
    const bin = findBinDir();
    if (!bin) throw new Error('PostgreSQL binaries not found (set PG_BIN or apt-get install -y postgresql).');
    const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-pg-outage-'));
    if (process.getuid?.() === 0) {
      const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
      const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
      await chown(dir, uid, gid);
    }
    const pg = new ThrowawayPostgres(bin, dir, await freePort());
    await pg.tool('initdb', ['-D', pg.data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await pg.startServer();
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  /** Fast shutdown: open connections are terminated, as in a maintenance restart. */
  async stopServer(): Promise<void> {
    await this.tool('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  async startServer(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`;
    await this.tool('pg_ctl', ['-D', this.data, '-o', options, '-l', join(this.dir, 'server.log'), '-w', 'start']);
  }

  async destroy(): Promise<void> {
    await this.tool('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  private tool(name: string, args: string[]) {
    const file = join(this.bin, name);
    const [command, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    return run(command, argv, { maxBuffer: 16 * 1024 * 1024 });
  }
}

function findBinDir(): string | undefined {
  const candidates = [process.env.PG_BIN];
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(root, v, 'bin')));
  }
  return candidates.find((dir) => dir && existsSync(join(dir, 'pg_ctl')));
}
