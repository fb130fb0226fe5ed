import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { log } from './scale/timing.js';
import { redisUsers } from './users/redis-users.js';
import { sqliteUsers } from './users/sqlite-users.js';
import type { UserTiming } from './users/user-timing.js';

/**
 * `npm run bench:users [-- --count N --small N --only sqlite,redis]`: what
 * `UserSessions.list` and `destroyAll` cost for a user with 1, 100 and
 * 10,000 sessions among `small` (10,000) and `count` (1,000,000) sessions of
 * other users, on Redis and SQLite. The cost should be flat in the total and
 * linear in the user's own. Writes bench/results/users.json.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      count: { type: 'string', default: '1000000' },
      small: { type: 'string', default: '10000' },
      only: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      out: { type: 'string', default: 'bench/results/users.json' },
    },
  });
  const [count, small, rounds] = [Number(values.count), Number(values.small), Number(values.rounds)];
  const owns = [1, 100, 10_000];
  const only = values.only?.split(',') ?? ['redis', 'sqlite'];
  const results: Record<string, UserTiming[]> = {};
  if (only.includes('redis')) {
    log('Redis (RedisStore, ioredis)');
    results.redis = await redisUsers(count, small, owns, rounds);
  }
  if (only.includes('sqlite')) {
    log('SQLite (TypeOrmStore, better-sqlite3)');
    results.sqlite = await sqliteUsers(count, small, owns, rounds);
  }
  console.log('\n| store | sessions in all | the user\'s own | list | destroyAll |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [store, timings] of Object.entries(results)) {
    for (const t of timings) {
      console.log(`| ${store} | ${t.total.toLocaleString('en-US')} | ${t.own.toLocaleString('en-US')} | ${t.listMs.toFixed(2)} ms | ${t.destroyAllMs.toFixed(2)} ms |`);
    }
  }
  await mkdir('bench/results', { recursive: true });
  const meta = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), count, small, rounds };
  await writeFile(values.out!, `${JSON.stringify({ meta, ...results }, null, 2)}\n`);
  console.log(`\nResults: ${values.out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
