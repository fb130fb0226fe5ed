import { resolve } from 'node:path';
import type { BenchOptions } from './options.js';
import type { Row } from './report.js';
import type { Route } from './routes.js';
import type { AppProcess, AppStats } from './support/app-process.js';
import { readCpuTicks, type CpuTicks } from './support/cpu-steal.js';
import { runLoad, type LoadResult } from './support/load.js';
import type { RedisServer } from './support/redis-server.js';
import type { Variant } from './variants.js';

/** One app process of a variant, holding the session cookies its connections send. */
export interface AppInstance {
  readonly app: AppProcess;
  readonly cookies: string[] | undefined;
}

/**
 * A variant's app processes. More than one, because one process of the same
 * code can run 10-20 % faster or slower than the next for its whole life (where
 * the JIT's choices and its memory fell): measured in turn, their luck averages out.
 */
export interface RunningVariant {
  readonly variant: Variant;
  readonly instances: readonly AppInstance[];
}

/** What one variant's slices of one route add up to. */
class Tally {
  requests = 0;
  seconds = 0;
  served = 0;
  cpuMicros = 0;
  non2xx = 0;
  errors = 0;
  timeouts = 0;
  stealTicks = 0;
  totalTicks = 0;
  rss = 0;
  readonly p50: number[] = [];
  readonly p99: number[] = [];
  readonly counters: Record<string, number> = {};
  readonly commandstats: Record<string, number> = {};

  add(result: LoadResult, seconds: number, before: AppStats, after: AppStats, ticks: [CpuTicks | undefined, CpuTicks | undefined]): void {
    this.requests += result.requests;
    this.seconds += seconds;
    this.served += (after.counters.requests ?? 0) - (before.counters.requests ?? 0);
    this.cpuMicros += after.cpuMicros - before.cpuMicros;
    this.non2xx += result.non2xx;
    this.errors += result.errors;
    this.timeouts += result.timeouts;
    this.rss = after.rss;
    this.p50.push(result.p50);
    this.p99.push(result.p99);
    for (const [name, value] of Object.entries(after.counters)) {
      const diff = value - (before.counters[name] ?? 0);
      if (diff > 0 && name !== 'requests') this.counters[name] = (this.counters[name] ?? 0) + diff;
    }
    const [t0, t1] = ticks;
    if (t0 && t1) {
      this.stealTicks += t1.steal - t0.steal;
      this.totalTicks += t1.total - t0.total;
    }
  }
}

/**
 * Measures one route on every running app of one adapter in interleaved
 * slices: slice k runs each app in turn (the order rotated every slice), so
 * every variant is measured across the same stretch of time. On a shared VM
 * whose speed drifts by tens of percent over seconds, that is what makes the
 * ratios between variants comparable; back-to-back runs of whole variants
 * are not.
 */
export async function measureRouteInterleaved(variants: readonly RunningVariant[], route: Route, options: BenchOptions, redis: RedisServer | undefined): Promise<Row[]> {
  const loadFor = (instance: AppInstance, durationSeconds: number) =>
    runLoad({ url: instance.app.url + route.path, method: route.method, cookies: route.withCookie ? instance.cookies : undefined, connections: options.connections, durationSeconds });
  const everyInstance = variants.flatMap((v) => v.instances);
  for (const instance of everyInstance) await loadFor(instance, options.warmupSeconds);
  if (options.cpuProfDir) for (const instance of everyInstance) await instance.app.startProfile();

  const tallies = new Map(variants.map((v) => [v, new Tally()]));
  const perProcess = new Map(everyInstance.map((instance) => [instance, new Tally()]));
  for (let slice = 0; slice < options.slices; slice++) {
    const order = variants.map((_, i) => variants[(i + slice) % variants.length]!);
    for (const running of order) {
      const instance = running.instances[slice % running.instances.length]!;
      const before = await instance.app.stats();
      if (running.variant.redis) await redis!.resetStats();
      const ticksBefore = readCpuTicks();
      const result = await loadFor(instance, options.sliceSeconds);
      const ticksAfter = readCpuTicks();
      await new Promise((done) => setTimeout(done, 150)); // let requests cut off at the end finish
      const after = await instance.app.stats();
      const tally = tallies.get(running)!;
      tally.add(result, options.sliceSeconds, before, after, [ticksBefore, ticksAfter]);
      perProcess.get(instance)!.add(result, options.sliceSeconds, before, after, [ticksBefore, ticksAfter]);
      if (running.variant.redis) addTo(tally.commandstats, await redis!.commandStats());
    }
  }

  if (options.cpuProfDir) {
    for (const { variant, instances } of variants) {
      for (const [i, instance] of instances.entries()) {
        await instance.app.stopProfile(resolve(options.cpuProfDir, `${variant.id}.${route.name}.${i + 1}.cpuprofile`));
      }
    }
  }
  return variants.map((v) => toRow(v.variant, route, tallies.get(v)!, v.instances.map((instance) => perProcess.get(instance)!)));
}

function toRow(variant: Variant, route: Route, tally: Tally, processes: readonly Tally[]): Row {
  const perServed = (counts: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).map(([name, value]) => [name, tally.served ? value / tally.served : 0]));
  const row: Row = {
    variant: variant.id,
    name: variant.name,
    adapter: variant.adapter,
    route: route.name,
    requests: tally.requests,
    rps: tally.requests / tally.seconds,
    p50: median(tally.p50),
    p99: median(tally.p99),
    ratio: undefined,
    perRequest: perServed(tally.counters),
    redisCommandstats: variant.redis ? perServed(tally.commandstats) : undefined,
    non2xx: tally.non2xx,
    errors: tally.errors,
    timeouts: tally.timeouts,
    rss: tally.rss,
    cpuMicrosPerRequest: tally.served ? tally.cpuMicros / tally.served : 0,
    stealPercent: tally.totalTicks > 0 ? (100 * tally.stealTicks) / tally.totalTicks : undefined,
    processes: processes.map((p) => ({ rps: p.seconds ? p.requests / p.seconds : 0, cpuMicrosPerRequest: p.served ? p.cpuMicros / p.served : 0 })),
  };
  const problems = row.non2xx || row.errors || row.timeouts ? `  (non-2xx ${row.non2xx}, errors ${row.errors}, timeouts ${row.timeouts})` : '';
  process.stderr.write(
    `  ${variant.id.padEnd(32)} ${route.name.padEnd(7)} ${Math.round(row.rps).toLocaleString('en-US').padStart(8)} req/s  ` +
      `p99 ${row.p99} ms  ${row.cpuMicrosPerRequest.toFixed(0)} µs CPU/req` +
      (processes.length > 1 ? ` (by process: ${row.processes.map((p) => Math.round(p.rps).toLocaleString('en-US')).join(', ')} req/s)` : '') +
      `${problems}\n`,
  );
  return row;
}

function addTo(sum: Record<string, number>, counts: Record<string, number>): void {
  for (const [name, value] of Object.entries(counts)) sum[name] = (sum[name] ?? 0) + value;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : 0;
}
