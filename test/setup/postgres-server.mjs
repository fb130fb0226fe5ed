// Plain ESM JavaScript, like services.mjs: Jest loads global setup through Node's own loader.
import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.mjs';
import { findPostgresBin } from './provision.mjs';

const run = promisify(execFile);
const DATABASE = 'sessions_test';

/**
 * A throwaway PostgreSQL for the run: initdb into a temp directory (trust auth,
 * no fsync), start it on a free loopback port, create `sessions_test` and
 * publish it as DATABASE_URL. PostgreSQL refuses to run as root, so as root
 * every binary runs as the `postgres` user through runuser.
 * provision.mjs installed PostgreSQL before this runs; only with
 * NEST_SESSIONS_PROVISION=off can the binaries be missing: then it warns and
 * starts nothing, and suites that need it fail with the clear error from
 * test/support/postgres.ts.
 */
export async function startPostgres() {
  const bin = findPostgresBin();
  if (!bin) {
    console.warn('[test setup] PostgreSQL binaries not found (set PG_BIN, or apt-get install -y postgresql): PostgreSQL suites will fail.');
    return { name: 'postgres (missing)', stop: async () => {} };
  }
  const dir = await mkdtemp(join(tmpdir(), 'nest-sessions-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const pg = (tool, args) => run(...command(join(bin, tool), args, asRoot), { maxBuffer: 16 * 1024 * 1024 });
  try {
    if (asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const port = await freePort();
    const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`;
    // -l: without a log file the server keeps pg_ctl's stdout open and execFile never returns.
    await pg('pg_ctl', ['-D', data, '-o', serverOptions, '-l', join(dir, 'server.log'), '-w', 'start']);
    const stop = async () => {
      await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch((error) => console.warn(`[test setup] pg_ctl stop: ${error.message}`));
      await rm(dir, { recursive: true, force: true });
    };
    try {
      await pg('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', DATABASE]);
    } catch (error) {
      await stop();
      throw error;
    }
    process.env.DATABASE_URL = `postgres://postgres@127.0.0.1:${port}/${DATABASE}`;
    return { name: `postgres :${port}`, stop };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`Could not start PostgreSQL for the tests: ${error.message}`, { cause: error });
  }
}

/** The entry point services.mjs calls for every `*-server.mjs` file. */
export const start = startPostgres;

function command(file, args, asRoot) {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}
