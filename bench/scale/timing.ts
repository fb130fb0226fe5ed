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
