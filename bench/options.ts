import { parseArgs } from 'node:util';

export interface BenchOptions {
  warmupSeconds: number;
  /** Seconds per slice; every variant gets `slices` of them per route, interleaved with the others. */
  sliceSeconds: number;
  slices: number;
  /** App processes started per variant; slice k measures process k mod instances. */
  instances: number;
  connections: number;
  /** Substrings of variant ids; empty: all. */
  only: string[];
  /** Route names; empty: all. */
  routes: string[];
  /** Write a .cpuprofile per variant, route and process (the measured slices only) into this directory. */
  cpuProfDir: string | undefined;
  out: string;
}

export const USAGE = `npm run bench [-- options]
Environment variables set the defaults (BENCH_SLICES, BENCH_SLICE, BENCH_WARMUP,
BENCH_INSTANCES, BENCH_CONNECTIONS); flags win.
  --quick               warm-up 1 s, 2 slices of 1 s, one process per variant
                        (checks the harness, not the numbers)
  --slices N            slices measured per variant and route (default 6)
  --slice N             seconds per slice (default 2)
  --warmup N            seconds of warm-up per app process and route (default 2)
  --instances N         app processes per variant, measured in turn, slice by slice (default 2)
  --connections N       keep-alive connections, one session each (default 50)
  --only a,b            variants whose id contains a or b (bare apps are always kept)
  --routes read,write   routes to run: none, read, write, create
  --cpu-prof            CPU-profile the measured slices inside each app (V8's profiler, as node --cpu-prof)
                        into bench/results/profiles/<variant>.<route>.<process>.cpuprofile;
                        --cpu-prof-dir to change the directory
  --out file            JSON results (default bench/results/latest.json)
  --help                this text`;

/** A command line the harness cannot run; the message says what it accepts. */
export class BenchUsageError extends Error {}

const FLAGS = {
  quick: { type: 'boolean', default: false },
  slices: { type: 'string' },
  slice: { type: 'string' },
  warmup: { type: 'string' },
  instances: { type: 'string' },
  connections: { type: 'string' },
  only: { type: 'string' },
  routes: { type: 'string' },
  'cpu-prof': { type: 'boolean', default: false },
  'cpu-prof-dir': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

/** `npm run bench [-- options]`, as USAGE says; undefined for `--help`. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: FLAGS }));
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return undefined;
  const number = (name: string, flag: string | undefined, variable: string | undefined, fallback: number) => {
    const value = Number(flag ?? variable ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new BenchUsageError(`--${name} wants a positive number; got "${flag ?? variable}".\n\n${USAGE}`);
    return value;
  };
  const list = (value: string | undefined) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : []);
  return {
    warmupSeconds: number('warmup', values.warmup, env.BENCH_WARMUP, values.quick ? 1 : 2),
    sliceSeconds: number('slice', values.slice, env.BENCH_SLICE, values.quick ? 1 : 2),
    slices: Math.round(number('slices', values.slices, env.BENCH_SLICES, values.quick ? 2 : 6)),
    instances: Math.round(number('instances', values.instances, env.BENCH_INSTANCES, values.quick ? 1 : 2)),
    connections: number('connections', values.connections, env.BENCH_CONNECTIONS, 50),
    only: list(values.only),
    routes: list(values.routes),
    cpuProfDir: values['cpu-prof'] || values['cpu-prof-dir'] ? (values['cpu-prof-dir'] ?? 'bench/results/profiles') : undefined,
    out: values.out ?? 'bench/results/latest.json',
  };
}
