import { parseArgs } from 'node:util';

export interface BenchOptions {
  warmupSeconds: number;
  /** Seconds per slice; every variant gets `slices` of them per route, interleaved with the others. */
  sliceSeconds: number;
  slices: number;
  connections: number;
  /** Substrings of variant ids; empty: all. */
  only: string[];
  /** Route names; empty: all. */
  routes: string[];
  /** Write a .cpuprofile per variant and route (the measured slices only) into this directory. */
  cpuProfDir: string | undefined;
  out: string;
}

/**
 * `npm run bench [-- options]`. Environment variables set the defaults
 * (BENCH_SLICES, BENCH_SLICE, BENCH_WARMUP, BENCH_CONNECTIONS); flags win.
 *   --quick               warm-up 1 s, 2 slices of 1 s (checks the harness, not the numbers)
 *   --slices N            slices measured per variant and route (default 5)
 *   --slice N             seconds per slice (default 2)
 *   --warmup N            seconds of warm-up per variant and route (default 2)
 *   --connections N       keep-alive connections, one session each (default 50)
 *   --only a,b            variants whose id contains a or b (bare apps are always kept)
 *   --routes read,write   routes to run
 *   --cpu-prof            CPU-profile the measured slices inside each app (V8's profiler, as node --cpu-prof)
 *                         into bench/results/profiles/<variant>.<route>.cpuprofile; --cpu-prof-dir to change
 *   --out file            JSON results (default bench/results/latest.json)
 */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      slices: { type: 'string' },
      slice: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
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
    sliceSeconds: number(values.slice, env.BENCH_SLICE, values.quick ? 1 : 2),
    slices: Math.round(number(values.slices, env.BENCH_SLICES, values.quick ? 2 : 5)),
    connections: number(values.connections, env.BENCH_CONNECTIONS, 50),
    only: list(values.only),
    routes: list(values.routes),
    cpuProfDir: values['cpu-prof'] || values['cpu-prof-dir'] ? (values['cpu-prof-dir'] ?? 'bench/results/profiles') : undefined,
    out: values.out ?? 'bench/results/latest.json',
  };
}
