import type { Adapter } from './variants.js';

/** One variant × route measurement, as written to the JSON results. */
export interface Row {
  variant: string;
  name: string;
  adapter: Adapter;
  route: string;
  requests: number;
  rps: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  /** rps over the bare app's rps on the same adapter and route. */
  ratio: number | undefined;
  /** Per request, counted inside the app: `store get`, `redis evalsha`, `sql select`… */
  perRequest: Record<string, number>;
  /** Per request, from redis-server's INFO commandstats (commands run inside scripts included). */
  redisCommandstats?: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** The app's resident memory after the route, bytes. */
  rss: number;
  /**
   * CPU time (user + system) the app process spent per request served. Less
   * sensitive than req/s to other load on the machine: compare these when the
   * run was noisy.
   */
  cpuMicrosPerRequest: number;
  /** Percent of the machine's CPU time the hypervisor took during the measured phase (Linux VMs); high: not comparable. */
  stealPercent?: number;
  /** The same figures for each app process of the variant alone: how far one process's luck moves them. */
  processes: { rps: number; cpuMicrosPerRequest: number }[];
}

export function withRatios(rows: Row[]): Row[] {
  return rows.map((row) => {
    const bare = rows.find((r) => r.variant === `bare-${row.adapter}` && r.route === row.route);
    return { ...row, ratio: bare ? row.rps / bare.rps : undefined };
  });
}

/**
 * What reached the backend per request: Redis commands sent or SQL statements
 * run when there are any, else calls on the store object; "—" for none.
 */
export function storeColumn(perRequest: Record<string, number>): string {
  for (const layer of ['redis', 'sql', 'store']) {
    const parts = Object.entries(perRequest)
      .filter(([name, value]) => name.startsWith(`${layer} `) && value >= 0.005)
      .map(([name, value]) => `${name.slice(layer.length + 1)} ${trim(value)}`);
    if (parts.length) return `${layer}: ${parts.join(', ')}`;
  }
  return '—';
}

function trim(value: number): string {
  return value.toFixed(2).replace(/\.?0+$/, '');
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => n.toFixed(n < 10 ? 2 : 1);

/** The results as one Markdown table (pasted as-is into the README). */
export function formatTable(rows: readonly Row[]): string {
  const header = ['variant', 'adapter', 'route', 'req/s', 'p50 ms', 'p99 ms', '× bare', 'CPU µs/req', 'steal %', 'store / request'];
  const lines = rows.map((r) => [
    r.name,
    r.adapter,
    r.route,
    int(r.rps) + (r.non2xx || r.errors || r.timeouts ? ' (!)' : ''),
    ms(r.p50),
    ms(r.p99),
    r.ratio === undefined ? '' : r.ratio.toFixed(2),
    r.cpuMicrosPerRequest.toFixed(0),
    r.stealPercent === undefined ? '' : r.stealPercent.toFixed(0),
    storeColumn(r.perRequest),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const numeric = new Set([3, 4, 5, 6, 7, 8]);
  const render = (cells: string[]) =>
    `| ${cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [render(header), rule, ...lines.map(render)].join('\n');
}

export interface TargetCheck {
  target: string;
  /** measured ratio, when both sides ran */
  ratio: number | undefined;
  goal: number;
  met: boolean | undefined;
  /** The same comparison from CPU time per request (baseline ÷ variant): what the ratio would be if both were CPU-bound on a quiet machine. */
  cpuRatio: number | undefined;
  /**
   * For a goal against another library: the bare app's own ratio to that
   * library in this run. A session library adds work to the bare app and
   * cannot outrun it, so where this is under the goal, no library could meet
   * the goal in this run.
   */
  ceiling: number | undefined;
}

/** The targets (issue 19), as ratios within this run. */
export function checkTargets(rows: readonly Row[]): TargetCheck[] {
  const find = (variant: string, route: string) => rows.find((r) => r.variant === variant && r.route === route);
  const check = (target: string, variant: string, baseline: string, route: string, goal: number): TargetCheck => {
    const a = find(variant, route);
    const b = find(baseline, route);
    const ratio = a && b ? a.rps / b.rps : undefined;
    const cpuRatio = a && b && a.cpuMicrosPerRequest ? b.cpuMicrosPerRequest / a.cpuMicrosPerRequest : undefined;
    const bare = b && !baseline.startsWith('bare-') ? find(`bare-${b.adapter}`, route) : undefined;
    const ceiling = bare && b ? bare.rps / b.rps : undefined;
    return { target, ratio, goal, met: ratio === undefined ? undefined : ratio >= goal, cpuRatio, ceiling };
  };
  const checks: TargetCheck[] = [];
  for (const adapter of ['express', 'fastify'] as const) {
    checks.push(check(`a route that uses no session vs bare + no-op interceptor (${adapter})`, `nest-sessions-memory-${adapter}`, `interceptor-${adapter}`, 'none', 0.95));
  }
  for (const route of ['read', 'write']) {
    checks.push(check(`memory store ${route} vs express-session MemoryStore (express)`, 'nest-sessions-memory-express', 'express-session-memory', route, 1.2));
    checks.push(check(`memory store ${route} vs @fastify/session (fastify)`, 'nest-sessions-memory-fastify', 'fastify-session', route, 1.5));
  }
  for (const route of ['read', 'write']) {
    checks.push(check(`Redis ${route} vs express-session + connect-redis (express)`, 'nest-sessions-redis-express', 'express-session-redis', route, 1.2));
  }
  checks.push(check('cookie store read vs @fastify/secure-session (fastify)', 'nest-sessions-cookie-fastify', 'fastify-secure-session', 'read', 1.0));
  return checks;
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  return checks
    .map((c) => {
      const status = c.met === undefined ? 'not run' : c.met ? 'met   ' : 'MISSED';
      const cpu = c.cpuRatio === undefined ? '' : `; by CPU time per request ${c.cpuRatio.toFixed(2)}×`;
      const ceiling =
        c.ceiling === undefined ? '' : `; the bare app itself: ${c.ceiling.toFixed(2)}×${c.ceiling < c.goal ? ', under the goal: out of reach in this run' : ''}`;
      return `${status}  ${c.target}: ${c.ratio === undefined ? '—' : c.ratio.toFixed(2)}× (goal ≥ ${c.goal}×${cpu}${ceiling})`;
    })
    .join('\n');
}
