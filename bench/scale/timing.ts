import type { SessionStore } from '../../lib/index.js';

/** Latency of one operation repeated `n` times, awaited one after another. */
export interface Timing {
  ops: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
}

export async function timeOps(n: number, op: (i: number) => Promise<unknown>): Promise<Timing> {
  return summarise(await sampleOps(0, n, op));
}

/** Microseconds each of ops `from` … `from + n - 1` took, awaited one after another. */
async function sampleOps(from: number, n: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = from; i < from + n; i++) {
    const start = process.hrtime.bigint();
    await op(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return samples;
}

function summarise(samples: number[]): Timing {
  const n = samples.length;
  const sorted = Float64Array.from(samples).sort();
  const total = sorted.reduce((sum, s) => sum + s, 0);
  return { ops: n, meanUs: total / n, p50Us: sorted[Math.floor(n * 0.5)]!, p99Us: sorted[Math.floor(n * 0.99)]! };
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
  const [timings] = await interleavedStoreTimings([{ store, ids }], now, ops, 1, versions);
  return timings!;
}

/** A store to time, with the ids it holds. */
export interface TimedStore {
  readonly store: SessionStore;
  readonly ids: readonly string[];
}

/**
 * `storeTimings` for several stores at once, in `rounds` turns (the order
 * rotated every turn), so that each is timed across the same stretch of
 * time. A round trip to a server on the same two cores takes 40 µs or 130
 * depending on whether the scheduler has to wake either side, and that
 * changes over seconds: timed one after the other, a small and a large
 * store would compare moments, not sizes.
 */
export async function interleavedStoreTimings(stores: readonly TimedStore[], now: number, ops: number, rounds: number, versions: Map<string, number>) {
  const samples = stores.map(() => ({ get: [] as number[], set: [] as number[], touch: [] as number[] }));
  const perRound = Math.ceil(ops / rounds);
  for (let round = 0; round < rounds; round++) {
    const from = round * perRound;
    for (let k = 0; k < stores.length; k++) {
      const at = (k + round) % stores.length;
      const { store, ids } = stores[at]!;
      const pick = (i: number) => ids[(i * 7919 + 13) % ids.length]!;
      samples[at]!.get.push(...(await sampleOps(from, perRound, (i) => store.get(pick(i)))));
      samples[at]!.set.push(
        ...(await sampleOps(from, perRound, async (i) => {
          const id = pick(i);
          const version = versions.get(id) ?? 1;
          const saved = await store.set(id, { ...sampleRecord(i, now, HOUR), version: version + 1 }, { ttlMs: HOUR, ifVersion: version });
          if (!saved) throw new Error(`compare-and-set on ${id} at version ${version} conflicted`);
          versions.set(id, version + 1);
        })),
      );
      samples[at]!.touch.push(...(await sampleOps(from, perRound, (i) => store.touch(pick(i), now + HOUR + i))));
    }
  }
  return samples.map((s) => ({ get: summarise(s.get), set: summarise(s.set), touch: summarise(s.touch) }));
}
