import type { SessionStore } from '../../lib/index.js';

/** Latency of one operation repeated `n` times, awaited one after another. */
export interface Timing {
  ops: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
}

export async function timeOps(n: number, op: (i: number) => Promise<unknown>): Promise<Timing> {
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await op(i);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  const total = samples.reduce((sum, s) => sum + s, 0);
  return { ops: n, meanUs: total / n, p50Us: samples[Math.floor(n * 0.5)]!, p99Us: samples[Math.floor(n * 0.99)]! };
}

export function formatTiming(t: Timing): string {
  return `mean ${t.meanUs.toFixed(1)} µs, p50 ${t.p50Us.toFixed(1)} µs, p99 ${t.p99Us.toFixed(1)} µs`;
}

/** A realistic small session: a signed-in user and a counter. */
export function sampleRecord(i: number, now: number, ttlMs: number) {
  return {
    data: { count: i % 100, user: { id: i, name: `user${i}`, roles: ['member'] } },
    flash: {},
    createdAt: now,
    expiresAt: now + ttlMs,
    version: 1,
  };
}

export const MB = 1024 * 1024;

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

export const HOUR = 3_600_000;

/**
 * get, compare-and-set and touch on existing sessions, `ops` of each, on a
 * stride through the ids (so no record is hot). `versions` carries each id's
 * stored version from one call to the next.
 */
export async function storeTimings(store: SessionStore, ids: readonly string[], now: number, ops: number, versions: Map<string, number>) {
  const pick = (i: number) => ids[(i * 7919 + 13) % ids.length]!;
  const get = await timeOps(ops, (i) => store.get(pick(i)));
  const set = await timeOps(ops, async (i) => {
    const id = pick(i);
    const version = versions.get(id) ?? 1;
    const saved = await store.set(id, { ...sampleRecord(i, now, HOUR), version: version + 1 }, { ttlMs: HOUR, ifVersion: version });
    if (!saved) throw new Error(`compare-and-set on ${id} at version ${version} conflicted`);
    versions.set(id, version + 1);
  });
  const touch = await timeOps(ops, (i) => store.touch(pick(i), now + HOUR + i));
  return { get, set, touch };
}
