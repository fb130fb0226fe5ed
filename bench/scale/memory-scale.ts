import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MemoryStore } from '../../lib/index.js';
import { gc, HOUR, log, MB, sampleRecord, timeOps, type Timing } from './timing.js';

export interface MemoryScaleResult {
  sessions: number;
  fillSeconds: number;
  /** Resident memory of the process before the fill and with every session held (after a GC each). */
  rssBeforeMB: number;
  rssFullMB: number;
  heapUsedMB: number;
  /** Heap growth (V8 objects: entries, JSON strings, Map slots) per session. */
  bytesPerSession: number;
  get: { at1k: Timing; atFull: Timing };
  set: { at1k: Timing; atFull: Timing };
  /** A new session into a store at maxEntries, so every set also evicts the least recently used. */
  evictingSet: { at1k: Timing; atFull: Timing };
  pruneAllLiveMs: number;
  reclaim: { sweepIntervalMs: number; seconds: number; left: number; maxEventLoopDelayMs: number; rssAfterMB: number };
}

const OPS = 200_000;

/**
 * MemoryStore holding a million sessions: memory per session, get/set time
 * at 1,000 vs 1,000,000 entries (and a new session's set into a full store,
 * which evicts), and whether the sweep reclaims a million
 * expired ones (with a short interval, since the default walks 10,000
 * entries a minute).
 */
export async function memoryScale(count: number): Promise<MemoryScaleResult> {
  const ids = Array.from({ length: count }, () => randomBytes(32).toString('base64url'));
  const now = Date.now();
  const newcomers = Array.from({ length: OPS }, () => randomBytes(32).toString('base64url'));
  // Last, since it evicts OPS of the store's sessions.
  const timings = async (store: MemoryStore, size: number) => ({
    get: await timeOps(OPS, (i) => store.get(ids[(i * 7919) % size]!)),
    set: await timeOps(OPS, (i) => store.set(ids[(i * 7919) % size]!, sampleRecord(i, now, HOUR), { ttlMs: HOUR })),
    evictingSet: await timeOps(OPS, (i) => store.set(newcomers[i]!, sampleRecord(i, now, HOUR), { ttlMs: HOUR })),
  });

  const small = new MemoryStore({ maxEntries: 1000, sweepIntervalMs: HOUR });
  for (let i = 0; i < 1000; i++) await small.set(ids[i]!, sampleRecord(i, now, HOUR), { ttlMs: HOUR });
  const at1k = await timings(small, 1000);
  await small.close();

  const big = await fillAndTime(ids, timings);
  const reclaim = await reclaimExpired(ids);
  return {
    sessions: count,
    fillSeconds: big.fillSeconds,
    rssBeforeMB: big.rssBeforeMB,
    rssFullMB: big.rssFullMB,
    heapUsedMB: big.heapUsedMB,
    bytesPerSession: (big.heapUsedMB * MB) / count,
    get: { at1k: at1k.get, atFull: big.atFull.get },
    set: { at1k: at1k.set, atFull: big.atFull.set },
    evictingSet: { at1k: at1k.evictingSet, atFull: big.atFull.evictingSet },
    pruneAllLiveMs: big.pruneAllLiveMs,
    reclaim,
  };
}

/** In its own function so the million-entry store is garbage once it returns. */
async function fillAndTime(ids: string[], timings: (store: MemoryStore, size: number) => Promise<Record<'get' | 'set' | 'evictingSet', Timing>>) {
  const count = ids.length;
  const now = Date.now();
  gc();
  const base = process.memoryUsage();
  const big = new MemoryStore({ maxEntries: count, sweepIntervalMs: HOUR });
  const started = performance.now();
  for (let i = 0; i < count; i++) await big.set(ids[i]!, sampleRecord(i, now, HOUR), { ttlMs: HOUR });
  const fillSeconds = (performance.now() - started) / 1000;
  gc();
  const full = process.memoryUsage();
  log(`  memory: ${count.toLocaleString('en-US')} sessions in ${fillSeconds.toFixed(1)} s, rss ${(full.rss / MB).toFixed(0)} MB`);
  const atFull = await timings(big, count);
  const pruneStart = performance.now();
  await big.prune(); // nothing expired: measures one full walk
  const pruneAllLiveMs = performance.now() - pruneStart;
  await big.close();
  return { fillSeconds, rssBeforeMB: base.rss / MB, rssFullMB: full.rss / MB, heapUsedMB: (full.heapUsed - base.heapUsed) / MB, atFull, pruneAllLiveMs };
}
/** A million sessions that expire in one second; then only the sweep timer runs. */
async function reclaimExpired(ids: string[]): Promise<MemoryScaleResult['reclaim']> {
  const sweepIntervalMs = 10;
  const store = new MemoryStore({ maxEntries: ids.length * 2, sweepIntervalMs });
  const now = Date.now();
  for (let i = 0; i < ids.length; i++) await store.set(ids[i]!, sampleRecord(i, now, 1000), { ttlMs: 1000 });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, now + 1000 - Date.now())));
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const started = performance.now();
  const deadline = started + 120_000;
  while (store.size > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const seconds = (performance.now() - started) / 1000;
  delay.disable();
  const left = store.size;
  await store.close();
  gc();
  log(`  memory: expired sessions reclaimed in ${seconds.toFixed(1)} s (${left} left)`);
  return { sweepIntervalMs, seconds, left, maxEventLoopDelayMs: delay.max / 1e6, rssAfterMB: process.memoryUsage().rss / MB };
}
