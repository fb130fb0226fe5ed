import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureRouteInterleaved, type RunningVariant } from './interleave.js';
import { parseOptions } from './options.js';
import { checkTargets, formatTable, formatTargets, withRatios, type Row } from './report.js';
import { ROUTES } from './routes.js';
import { startAppProcess } from './support/app-process.js';
import { captureSessions } from './support/cookies.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import { VARIANTS, type Adapter, type Variant } from './variants.js';

const APPS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'apps');

/**
 * `npm run bench`: every variant as its own Nest app process on loopback.
 * One adapter at a time, all of its variants run side by side (idle but
 * one); autocannon, from this process, drives one at a time in interleaved
 * slices per route. One table printed, results written as JSON.
 */
async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const variants = selectVariants(options.only);
  const routes = options.routes.length ? ROUTES.filter((r) => options.routes.includes(r.name)) : ROUTES;
  const perRoute = (options.warmupSeconds + options.slices * (options.sliceSeconds + 0.3)) * variants.length;
  log(
    `${variants.length} variants × ${routes.length} routes; per route: ${options.warmupSeconds}s warm-up, then ${options.slices} interleaved ` +
      `slices of ${options.sliceSeconds}s per variant; ${options.connections} connections (~${Math.ceil((perRoute * routes.length) / 60 + 1)} min)`,
  );
  if (options.cpuProfDir) await mkdir(options.cpuProfDir, { recursive: true });

  const loadBefore = os.loadavg();
  const redis = variants.some((v) => v.redis) ? await startRedisServer() : undefined;
  const rows: Row[] = [];
  const failures: { variant: string; error: string }[] = [];
  try {
    for (const adapter of ['express', 'fastify'] as const satisfies readonly Adapter[]) {
      const group = variants.filter((v) => v.adapter === adapter);
      if (!group.length) continue;
      log(`${adapter}: starting ${group.map((v) => v.id).join(', ')}`);
      const apps = await startGroup(group, options.connections, redis, failures);
      try {
        for (const route of routes) {
          log(`${adapter} /${route.name}`);
          rows.push(...(await measureRouteInterleaved(apps, route, options, redis)));
        }
      } finally {
        await Promise.all(apps.map((app) => app.app.stop()));
      }
    }
  } finally {
    await redis?.stop();
  }

  const results = withRatios(rows);
  const targets = checkTargets(results);
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    platform: `${os.platform()} ${os.release()}`,
    warmupSeconds: options.warmupSeconds,
    slices: options.slices,
    sliceSeconds: options.sliceSeconds,
    connections: options.connections,
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

/** Starts each variant's app and captures one session cookie per connection; a variant that fails is reported and left out. */
async function startGroup(group: readonly Variant[], connections: number, redis: RedisServer | undefined, failures: { variant: string; error: string }[]): Promise<RunningVariant[]> {
  if (group.some((v) => v.redis)) await redis!.admin.flushall();
  const apps: RunningVariant[] = [];
  for (const variant of group) {
    try {
      const app = await startAppProcess({
        entry: resolve(APPS_DIR, `${variant.app}.js`),
        env: { BENCH_ADAPTER: variant.adapter, BENCH_STORE: variant.store ?? '', REDIS_URL: redis?.url ?? '' },
      });
      try {
        const cookies = variant.sessionless ? undefined : await captureSessions(app.url, connections);
        apps.push({ variant, app, cookies });
      } catch (error) {
        await app.stop();
        throw error;
      }
    } catch (error) {
      failures.push({ variant: variant.id, error: (error as Error).stack ?? String(error) });
      log(`  ${variant.id} FAILED: ${(error as Error).message}`);
    }
  }
  return apps;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
