import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { memoryScale } from './scale/memory-scale.js';
import { redisScale } from './scale/redis-scale.js';
import { sqliteScale } from './scale/sqlite-scale.js';
import { formatTiming, log, type Timing } from './scale/timing.js';

/**
 * `npm run bench:scale [-- --count N --only memory,sqlite,redis]`: the stores
 * holding a million sessions. Prints a summary and writes
 * bench/results/scale.json. About 3–5 minutes.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { count: { type: 'string', default: '1000000' }, only: { type: 'string' }, out: { type: 'string', default: 'bench/results/scale.json' } },
  });
  const count = Number(values.count);
  const size = count >= 1_000_000 && count % 1_000_000 === 0 ? `${count / 1_000_000}M` : count.toLocaleString('en-US');
  const only = values.only?.split(',') ?? ['memory', 'sqlite', 'redis'];
  if (!(globalThis as { gc?: unknown }).gc) log('(run with --expose-gc for steadier memory figures)');

  const results: Record<string, unknown> = {};
  if (only.includes('memory')) {
    log('memory store');
    const m = await memoryScale(count);
    results.memory = m;
    console.log(`\nMemoryStore, ${m.sessions.toLocaleString('en-US')} sessions`);
    console.log(
      `  resident memory   ${m.rssFullMB.toFixed(0)} MB with every session held (${m.rssBeforeMB.toFixed(0)} MB before); ` +
        `heap +${m.heapUsedMB.toFixed(0)} MB = ${m.bytesPerSession.toFixed(0)} bytes a session; filled in ${m.fillSeconds.toFixed(1)} s`,
    );
    printPair('get', m.get.at1k, m.get.atFull, '1k', size);
    printPair('set', m.set.at1k, m.set.atFull, '1k', size);
    printPair('set, evicting', m.evictingSet.at1k, m.evictingSet.atFull, '1k', size);
    console.log(`  prune() over ${size} live entries: ${m.pruneAllLiveMs.toFixed(0)} ms (one blocking walk)`);
    console.log(
      `  ${size} expired: reclaimed by the sweep timer (interval ${m.reclaim.sweepIntervalMs} ms) in ${m.reclaim.seconds.toFixed(1)} s, ` +
        `${m.reclaim.left} left, longest event-loop stall ${m.reclaim.maxEventLoopDelayMs.toFixed(1)} ms`,
    );
  }
  if (only.includes('sqlite')) {
    log('SQLite (TypeOrmStore, better-sqlite3)');
    const s = await sqliteScale(count);
    results.sqlite = s;
    console.log(`\nTypeOrmStore on SQLite, ${s.rows.toLocaleString('en-US')} rows (loaded in ${s.loadSeconds.toFixed(1)} s, file ${s.fileMB.toFixed(0)} MB)`);
    printPair('get', s.get.at1k, s.get.atFull, '1k', size);
    printPair('set (CAS)', s.set.at1k, s.set.atFull, '1k', size);
    printPair('touch', s.touch.at1k, s.touch.atFull, '1k', size);
    for (const [verb, plan] of Object.entries(s.plans)) console.log(`  plan ${verb}: ${plan}`);
    console.log(`  for contrast, one query that must read every row: ${s.fullScanMs.toFixed(0)} ms`);
  }
  if (only.includes('redis')) {
    log('Redis (RedisStore, ioredis)');
    const r = await redisScale(count);
    results.redis = r;
    console.log(`\nRedisStore, ${r.keys.toLocaleString('en-US')} keys (loaded in ${r.loadSeconds.toFixed(1)} s by pipelined SETs, used_memory ${r.usedMemoryMB.toFixed(0)} MB)`);
    printPair('get', r.get.at1k, r.get.atFull, '1k', size);
    printPair('set (CAS)', r.set.at1k, r.set.atFull, '1k', size);
    printPair('touch', r.touch.at1k, r.touch.atFull, '1k', size);
  }
  await mkdir('bench/results', { recursive: true });
  const meta = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), count };
  await writeFile(values.out!, `${JSON.stringify({ meta, ...results }, null, 2)}\n`);
  console.log(`\nResults: ${values.out}`);
}

function printPair(label: string, small: Timing, large: Timing, a: string, b: string): void {
  console.log(`  ${label.padEnd(14)} at ${a}: ${formatTiming(small)}`);
  console.log(`  ${''.padEnd(14)} at ${b}: ${formatTiming(large)}  (${(large.p50Us / small.p50Us).toFixed(2)}× the p50)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
