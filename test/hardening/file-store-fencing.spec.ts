import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileStore } from '../../lib/index.js';
import { casIncrement } from '../stores/store-conformance.js';
import { transpileLibrary } from './fixtures/transpile-library.js';

/**
 * FileStore across real processes, with the faults a lock file cannot see:
 * a writer stopped (SIGSTOP) while it holds a session's lock, for longer than
 * the stale-lock age, so the other process breaks the lock and goes on; and a
 * writer killed (SIGKILL) while it holds one. Every increment a writer was
 * told had landed must be in the record at the end, nobody waits for a dead
 * holder, and nothing the dead writer left stays behind.
 */
const WRITER = fileURLToPath(new URL('./fixtures/cas-writer.mjs', import.meta.url));
const HOUR = 3_600_000;
/** Past the 5 s stale-lock age, so the running writer breaks the paused writer's lock and writes for ~2 s. */
const PAUSE_MS = 7_000;
let build: string;
let root: string;

beforeAll(async () => {
  build = await transpileLibrary();
  root = await mkdtemp(join(tmpdir(), 'nest-sessions-fencing-'));
});
afterAll(async () => {
  await rm(build, { recursive: true, force: true });
  await rm(root, { recursive: true, force: true });
});

interface Writer {
  child: ChildProcess;
  /** Increments acknowledged so far (as printed). */
  count(): number;
  /** Ends the loop after the write in flight; resolves the final count. */
  stop(): Promise<number>;
  exited: Promise<void>;
}

async function startWriter(dir: string, id: string): Promise<Writer> {
  const env = { ...process.env, NODE_OPTIONS: '', CRASH_LIB: pathToFileURL(join(build, 'lib')).href + '/' };
  const child = spawn(process.execPath, [WRITER, dir, id], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let [count, stderr, pending] = [0, '', ''];
  let finished: number | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  let ready: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!; // a line cut between two chunks waits for its end
    for (const line of lines) {
      if (line === 'ready') ready();
      else if (/^\d+$/.test(line)) count = Number(line);
      else if (line.startsWith('done ')) finished = Number(line.slice(5));
    }
  });
  await Promise.race([started, exited.then(() => Promise.reject(new Error(`writer ${child.pid} did not start: ${stderr}`)))]);
  return {
    child,
    count: () => count,
    stop: async () => {
      child.stdin!.write('stop\n');
      await exited;
      if (finished === undefined) throw new Error(`writer ${child.pid} ended without its count: ${stderr}`);
      return finished;
    },
    exited,
  };
}

async function seed(dir: string, padBytes: number): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  const store = new FileStore({ dir, pruneIntervalMs: 0 });
  const now = Date.now();
  // Some bulk, so a write takes long enough to be caught in the middle of it.
  await store.set(id, { data: { hits: 0, pad: 'x'.repeat(padBytes) }, flash: {}, createdAt: now, expiresAt: now + HOUR, version: 1 }, { ttlMs: HOUR });
  await store.close();
  return id;
}

/** The files a write of `id` has staged under `dir`: any but the session file and a lock file (temp files, files in a lock directory). */
async function stagedFiles(dir: string, id: string): Promise<string[]> {
  const staged: string[] = [];
  for (const name of await readdir(dir, { recursive: true }).catch(() => [])) {
    if (name === `${id}.json` || name === `${id}.lock`) continue;
    if ((await lstat(join(dir, name)).catch(() => undefined))?.isFile()) staged.push(name);
  }
  return staged;
}

/**
 * Stops `holder` (SIGSTOP) in the middle of a write: it has staged the new
 * record, the staged file stays while it is stopped, and `other`, writing the
 * same session, makes no progress meanwhile (it waits for the holder's lock).
 * Tries again (SIGCONT, a short random wait) until then.
 */
async function stopMidWrite(holder: Writer, dir: string, id: string, other?: Writer): Promise<number> {
  const giveUpAt = Date.now() + 20_000;
  for (let attempt = 1; Date.now() < giveUpAt; attempt++) {
    // Stop it the moment something is staged, then check that it was the holder's write.
    for (let poll = 0; poll < 100 && (await stagedFiles(dir, id)).length === 0; poll++);
    holder.child.kill('SIGSTOP');
    await sleep(20);
    const [before, staged] = [other?.count(), await stagedFiles(dir, id)];
    await sleep(other ? 100 : 10);
    const still = await stagedFiles(dir, id);
    if (other?.count() === before && staged.some((name) => still.includes(name))) return attempt;
    holder.child.kill('SIGCONT');
    await sleep(Math.random() * 20);
  }
  throw new Error('never caught the writer in the middle of a write in 20 s');
}

/** Every name under `dir`, recursively: what a crashed writer could leave. */
async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

describe('FileStore shared by two processes', () => {
  it(`loses no acknowledged increment when one writer is stopped for ${PAUSE_MS / 1000} s holding the lock`, async () => {
    const dir = await mkdtemp(join(root, 'pause-'));
    const id = await seed(dir, 262_144);
    const [paused, running] = [await startWriter(dir, id), await startWriter(dir, id)];
    try {
      await sleep(300);
      const tries = await stopMidWrite(paused, dir, id, running);
      const atStop = running.count();
      const left = await listing(dir);
      await sleep(PAUSE_MS - 150);
      const duringPause = running.count() - atStop;
      paused.child.kill('SIGCONT');
      await sleep(1_000);
      const [a, b] = [await paused.stop(), await running.stop()];
      const store = new FileStore({ dir, pruneIntervalMs: 0 });
      const stored = (await store.get(id))!.data.hits as number;
      await store.close();
      console.log(
        `[FileStore fencing, SIGSTOP] stopped mid-write (try ${tries}), with ${JSON.stringify(left.map((name) => name.replace(id, '<id>')))}; the other writer made ${duringPause} increments while it was stopped; ` +
          `acknowledged ${a + b} (${a} + ${b}), stored ${stored}, lost ${a + b - stored}`,
      );
      expect(duringPause).toBeGreaterThan(0); // the stale lock was broken: the other writer went on
      expect(stored).toBe(a + b); // nothing acknowledged is lost, nothing unacknowledged landed
    } finally {
      for (const writer of [paused, running]) {
        writer.child.kill('SIGCONT');
        writer.child.kill('SIGKILL');
        await writer.exited;
      }
    }
  }, 45_000);

  it('does not stall on a lock whose holder was killed with SIGKILL, and leaves nothing of it behind', async () => {
    const dir = await mkdtemp(join(root, 'kill-'));
    const id = await seed(dir, 1_048_576); // alone, a writer spends most of its time in the write
    const writer = await startWriter(dir, id);
    await sleep(200);
    const tries = await stopMidWrite(writer, dir, id);
    const left = await listing(dir);
    writer.child.kill('SIGKILL');
    await writer.exited;
    const acknowledged = writer.count();

    const store = new FileStore({ dir, pruneIntervalMs: 0 });
    try {
      const started = performance.now();
      await casIncrement(store, id);
      const stalled = performance.now() - started;
      const giveUpAt = Date.now() + 1_000;
      while ((await listing(dir)).length > 1 && Date.now() < giveUpAt) await sleep(20);
      const stored = (await store.get(id))!.data.hits as number;
      const shown = (names: string[]) => JSON.stringify(names.map((name) => name.replace(id, '<id>')));
      console.log(`[FileStore fencing, SIGKILL] killed mid-write (try ${tries}), leaving ${shown(left)}; the next write took ${stalled.toFixed(1)} ms; afterwards ${shown(await listing(dir))}`);
      expect(stalled).toBeLessThan(200);
      expect(await listing(dir)).toEqual([`${id}.json`]);
      expect([acknowledged + 1, acknowledged + 2]).toContain(stored); // the killed write may have landed unacknowledged
    } finally {
      await store.close();
    }
  }, 30_000);
});
