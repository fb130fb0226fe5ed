import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureRouteInterleaved, type AppInstance, type RunningVariant } from './interleave.js';
import { BenchUsageError, parseOptions, USAGE, type BenchOptions } from './options.js';
import { checkTargets, formatTable, formatTargets, withRatios, type Row } from './report.js';
import { ROUTES, type Route } from './routes.js';
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
  if (!options) return console.log(USAGE);
  const variants = selectVariants(options.only);
  const routes = selectRoutes(options.routes);
  const perRoute = (options.instances * options.warmupSeconds + options.slices * (options.sliceSeconds + 0.3)) * variants.length;
  log(
    `${variants.length} variants × ${routes.length} routes, ${options.instances} app process(es) each; per route: ${options.warmupSeconds}s ` +
      `warm-up per process, then ${options.slices} interleaved slices of ${options.sliceSeconds}s per variant; ` +
      `${options.connections} connections (~${Math.ceil((perRoute * routes.length) / 60 + 1)} min)`,
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
      const running = await startGroup(group, options, redis, failures);
      try {
        for (const route of routes) {
          log(`${adapter} /${route.name}`);
          rows.push(...(await measureRouteInterleaved(running, route, options, redis)));
        }
      } finally {
        await Promise.all(running.flatMap((v) => v.instances.map((instance) => instance.app.stop())));
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
    instances: options.instances,
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
  const unmatched = only.filter((o) => !VARIANTS.some((v) => v.id.includes(o)));
  if (unmatched.length) {
    throw new BenchUsageError(`--only ${unmatched.join(',')} matches no variant. Variant ids: ${VARIANTS.map((v) => v.id).join(', ')}.`);
  }
  const adapters = new Set(picked.map((v) => v.adapter));
  return VARIANTS.filter((v) => picked.includes(v) || (v.bare && adapters.has(v.adapter)));
}

function selectRoutes(names: string[]): Route[] {
  const unknown = names.filter((name) => !ROUTES.some((r) => r.name === name));
  if (unknown.length) throw new BenchUsageError(`--routes ${unknown.join(',')}: no such route. Routes: ${ROUTES.map((r) => r.name).join(', ')}.`);
  return names.length ? ROUTES.filter((r) => names.includes(r.name)) : [...ROUTES];
}

/**
 * Starts each variant's app processes, each with one captured session cookie
 * per connection; a variant with a process that fails is reported and left out.
 */
async function startGroup(
  group: readonly Variant[],
  options: BenchOptions,
  redis: RedisServer | undefined,
  failures: { variant: string; error: string }[],
): Promise<RunningVariant[]> {
  if (group.some((v) => v.redis)) await redis!.admin.flushall();
  const running: RunningVariant[] = [];
  for (const variant of group) {
    const instances: AppInstance[] = [];
    try {
      for (let i = 0; i < options.instances; i++) instances.push(await startInstance(variant, options.connections, redis));
      running.push({ variant, instances });
    } catch (error) {
      await Promise.all(instances.map((instance) => instance.app.stop()));
      failures.push({ variant: variant.id, error: (error as Error).stack ?? String(error) });
      log(`  ${variant.id} FAILED: ${(error as Error).message}`);
    }
  }
  return running;
}

async function startInstance(variant: Variant, connections: number, redis: RedisServer | undefined): Promise<AppInstance> {
  const app = await startAppProcess({
    entry: resolve(APPS_DIR, `${variant.app}.js`),
    env: { BENCH_ADAPTER: variant.adapter, BENCH_STORE: variant.store ?? '', REDIS_URL: redis?.url ?? '' },
  });
  try {
    return { app, cookies: variant.sessionless ? undefined : await captureSessions(app.url, connections) };
  } catch (error) {
    await app.stop();
    throw error;
  }
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

main().catch((error: unknown) => {
  // A bad command line is the user's to fix: its message, not a stack trace.
  console.error(error instanceof BenchUsageError ? error.message : error);
  process.exit(1);
});
