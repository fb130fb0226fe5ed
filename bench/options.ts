import { parseArgs } from 'node:util';

export interface BenchOptions {
  warmupSeconds: number;
  durationSeconds: number;
  connections: number;
  /** Whole passes over every variant; each row reports the pass with the median req/s. */
  rounds: number;
  /** Substrings of variant ids; empty: all. */
  only: string[];
  /** Route names; empty: all. */
  routes: string[];
  /** Write a .cpuprofile per variant and route (the measured phase only) into this directory. */
  cpuProfDir: string | undefined;
  out: string;
}

/**
 * `npm run bench [-- options]`. Environment variables set the defaults
 * (BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_ROUNDS); flags win.
 *   --quick               warm-up 1 s, measure 3 s (checks the harness, not the numbers)
 *   --duration N          seconds measured per route (default 10)
 *   --warmup N            seconds of warm-up per route (default 2)
 *   --connections N       keep-alive connections, one session each (default 50)
 *   --rounds N            passes over all variants, median kept (default 1; BENCH_ROUNDS); 3 on a noisy machine
 *   --only a,b            variants whose id contains a or b (bare apps are always kept)
 *   --routes read,write   routes to run
 *   --cpu-prof            CPU-profile each measured phase inside the app (V8's profiler, as node --cpu-prof)
 *                         into bench/results/profiles/<variant>.<route>.cpuprofile; --cpu-prof-dir to change
 *   --out file            JSON results (default bench/results/latest.json)
 */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      only: { type: 'string' },
      routes: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'cpu-prof-dir': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const number = (flag: string | undefined, variable: string | undefined, fallback: number) => {
    const value = Number(flag ?? variable ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`Expected a positive number, got ${flag ?? variable}`);
    return value;
  };
  const list = (value: string | undefined) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : []);
  return {
    warmupSeconds: number(values.warmup, env.BENCH_WARMUP, values.quick ? 1 : 2),
    durationSeconds: number(values.duration, env.BENCH_DURATION, values.quick ? 3 : 10),
    connections: number(values.connections, env.BENCH_CONNECTIONS, 50),
    rounds: Math.round(number(values.rounds, env.BENCH_ROUNDS, 1)),
    only: list(values.only),
    routes: list(values.routes),
    cpuProfDir: values['cpu-prof'] || values['cpu-prof-dir'] ? (values['cpu-prof-dir'] ?? 'bench/results/profiles') : undefined,
    out: values.out ?? 'bench/results/latest.json',
  };
}
