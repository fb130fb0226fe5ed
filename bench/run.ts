import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions, type BenchOptions } from './options.js';
import { checkTargets, formatTable, formatTargets, medianRows, withRatios, type Row } from './report.js';
import { ROUTES, type Route } from './routes.js';
import { startAppProcess, type AppProcess, type AppStats } from './support/app-process.js';
import { captureSessions } from './support/cookies.js';
import { readCpuTicks, stealPercent } from './support/cpu-steal.js';
import { runLoad } from './support/load.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import { VARIANTS, type Variant } from './variants.js';

const APPS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'apps');

/**
 * `npm run bench`: every variant as its own Nest app process on loopback,
 * driven by autocannon from this process (warm-up, then a fixed duration per
 * route), one table printed, results written as JSON.
 */
async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const variants = selectVariants(options.only);
  const routes = options.routes.length ? ROUTES.filter((r) => options.routes.includes(r.name)) : ROUTES;
  const perVariant = routes.length * (options.warmupSeconds + options.durationSeconds) + 3;
  log(
    `${variants.length} variants × ${routes.length} routes × ${options.rounds} round(s), ${options.connections} connections, ` +
      `${options.warmupSeconds}s warm-up + ${options.durationSeconds}s each (~${Math.ceil((options.rounds * variants.length * perVariant) / 60)} min)`,
  );
  if (options.cpuProfDir) await mkdir(options.cpuProfDir, { recursive: true });

  const loadBefore = os.loadavg();
  const redis = variants.some((v) => v.redis) ? await startRedisServer() : undefined;
  const rounds: Row[][] = [];
  const failures: { variant: string; error: string }[] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      if (options.rounds > 1) log(`round ${round} of ${options.rounds}`);
      const rows: Row[] = [];
      for (const variant of variants) {
        try {
          rows.push(...(await measureVariant(variant, routes, options, redis)));
        } catch (error) {
          failures.push({ variant: variant.id, error: (error as Error).stack ?? String(error) });
          log(`  ${variant.id} FAILED: ${(error as Error).message}`);
        }
      }
      rounds.push(rows);
    }
  } finally {
    await redis?.stop();
  }

  const results = withRatios(medianRows(rounds));
  const targets = checkTargets(results);
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    platform: `${os.platform()} ${os.release()}`,
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds,
    connections: options.connections,
    rounds: options.rounds,
    pipelining: 1,
    loadavgBefore: loadBefore,
    loadavgAfter: os.loadavg(),
  };
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify({ meta, results, targets, failures }, null, 2)}\n`);

  console.log(`\n${formatTable(results)}\n`);
  console.log(`${formatTargets(targets)}\n`);
  console.log(
    `Node ${meta.node}, ${meta.cpus} × ${meta.cpuModel}; load average ${loadBefore[0]!.toFixed(2)} before, ${meta.loadavgAfter[0]!.toFixed(2)} after. ` +
      `Results: ${options.out}`,
  );
  if (failures.length) {
    console.error(`\n${failures.length} variant(s) failed:\n${failures.map((f) => `${f.variant}: ${f.error}`).join('\n')}`);
    process.exitCode = 1;
  }
}

/** `--only` keeps matching variants plus the bare app of each adapter they run on (ratios need it). */
function selectVariants(only: string[]): Variant[] {
  if (!only.length) return [...VARIANTS];
  const picked = VARIANTS.filter((v) => only.some((o) => v.id.includes(o)));
  const adapters = new Set(picked.map((v) => v.adapter));
  return VARIANTS.filter((v) => picked.includes(v) || (v.bare && adapters.has(v.adapter)));
}

async function measureVariant(variant: Variant, routes: readonly Route[], options: BenchOptions, redis: RedisServer | undefined): Promise<Row[]> {
  log(`${variant.id}`);
  if (variant.redis) await redis!.admin.flushall();
  const app = await startAppProcess({
    entry: resolve(APPS_DIR, `${variant.app}.js`),
    env: { BENCH_ADAPTER: variant.adapter, BENCH_STORE: variant.store ?? '', REDIS_URL: redis?.url ?? '' },
  });
  const rows: Row[] = [];
  try {
    const cookies = variant.sessionless ? undefined : await captureSessions(app.url, options.connections);
    for (const route of routes) rows.push(await measureRoute(variant, route, app, cookies, options, redis));
  } finally {
    await app.stop();
  }
  return rows;
}

async function measureRoute(
  variant: Variant,
  route: Route,
  app: AppProcess,
  cookies: string[] | undefined,
  options: BenchOptions,
  redis: RedisServer | undefined,
): Promise<Row> {
  const load = {
    url: app.url + route.path,
    method: route.method,
    cookies: route.withCookie ? cookies : undefined,
    connections: options.connections,
  };
  await runLoad({ ...load, durationSeconds: options.warmupSeconds });
  const before = await app.stats();
  if (variant.redis) await redis!.resetStats();
  if (options.cpuProfDir) await app.startProfile();
  const ticksBefore = readCpuTicks();
  const result = await runLoad({ ...load, durationSeconds: options.durationSeconds });
  const steal = stealPercent(ticksBefore, readCpuTicks());
  await new Promise((resolve) => setTimeout(resolve, 250)); // let requests cut off at the end finish
  if (options.cpuProfDir) await app.stopProfile(resolve(options.cpuProfDir, `${variant.id}.${route.name}.cpuprofile`));
  const after = await app.stats();
  const commandstats = variant.redis ? await redis!.commandStats() : undefined;
  const served = (after.counters.requests ?? 0) - (before.counters.requests ?? 0);
  const perRequest = delta(before, after, served);
  delete perRequest.requests;
  const row: Row = {
    variant: variant.id,
    name: variant.name,
    adapter: variant.adapter,
    route: route.name,
    requests: result.requests,
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    ratio: undefined,
    perRequest,
    redisCommandstats: commandstats && divide(commandstats, served),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    rss: after.rss,
    cpuMicrosPerRequest: served ? (after.cpuMicros - before.cpuMicros) / served : 0,
    stealPercent: steal,
  };
  const problems = result.non2xx || result.errors || result.timeouts ? `  (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})` : '';
  log(
    `  ${route.name.padEnd(7)} ${Math.round(result.rps).toLocaleString('en-US').padStart(8)} req/s  p99 ${result.p99} ms  ` +
      `${row.cpuMicrosPerRequest.toFixed(0)} µs CPU/req${steal === undefined ? '' : `  steal ${steal.toFixed(0)}%`}${problems}`,
  );
  return row;
}

function delta(before: AppStats, after: AppStats, requests: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [name, value] of Object.entries(after.counters)) {
    const diff = value - (before.counters[name] ?? 0);
    if (diff > 0) counts[name] = diff;
  }
  return divide(counts, requests);
}

function divide(counts: Record<string, number>, requests: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([name, value]) => [name, requests ? value / requests : 0]));
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
