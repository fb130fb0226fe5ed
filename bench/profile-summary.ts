import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

/**
 * `node .bench-dist/bench/profile-summary.js file.cpuprofile [--top 25]`:
 * where a bench app spent its CPU, from a `--cpu-prof` profile. Prints time
 * by area (nest-sessions, Nest, the HTTP framework, Node internals, GC…),
 * then the top functions by self time, overall and inside nest-sessions
 * (lib/), and the nest-sessions functions by inclusive (total) time.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  const top = Number(values.top);
  for (const file of positionals) {
    const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
    console.log(summarise(file, profile, top));
  }
}

function summarise(file: string, profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const libSelf = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  // V8 samples on wall-clock time: when the OS preempts the process (a busy machine),
  // the next sample's delta carries the whole gap. Cap deltas at 3× the median interval
  // so a preemption is not blamed on whatever function happened to be running.
  const sorted = [...profile.timeDeltas].sort((a, b) => a - b);
  const cap = 3 * (sorted[Math.floor(sorted.length / 2)] ?? 1000);
  let preempted = 0;
  profile.samples.forEach((id, i) => {
    const raw = profile.timeDeltas[i] ?? 0;
    const dt = Math.min(raw, cap);
    preempted += raw - dt;
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    total += dt;
    add(self, key(node.callFrame), dt);
    if (isLib(node.callFrame.url)) add(libSelf, key(node.callFrame), dt);
    add(areas, area(node.callFrame.url, node.callFrame.functionName), dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!isLib(frame.url)) continue;
      const k = key(frame);
      if (!seen.has(k)) {
        seen.add(k);
        add(inclusive, k, dt);
      }
    }
  });

  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  const list = (entries: Iterable<[string, number]>, n: number) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, t]) => `  ${pct(t)}  ${(t / 1000).toFixed(0).padStart(6)} ms  ${name}`)
      .join('\n');
  const libTotal = [...libSelf.values()].reduce((sum, t) => sum + t, 0);
  return [
    `${file}: ${(total / 1000).toFixed(0)} ms sampled busy, ${(idle / 1000).toFixed(0)} ms idle, ${(preempted / 1000).toFixed(0)} ms of sampling gaps left out (preemption)`,
    'by area (self time)',
    list(areas, 20),
    `top ${top} functions by self time`,
    list(self, top),
    `nest-sessions (lib/) by self time: ${pct(libTotal).trim()} of CPU in all`,
    list(libSelf, top),
    'nest-sessions (lib/) by inclusive time',
    list(inclusive, top),
    '',
  ].join('\n');
}

function add(map: Map<string, number>, k: string, dt: number): void {
  map.set(k, (map.get(k) ?? 0) + dt);
}

function isLib(url: string): boolean {
  return url.includes('/.bench-dist/lib/');
}

function key(frame: CallFrame): string {
  const where = frame.url ? `${shorten(frame.url)}:${frame.lineNumber + 1}` : '(native)';
  return `${frame.functionName || '(anonymous)'}  ${where}`;
}

function shorten(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('node_modules/');
  if (modules !== -1) return path.slice(modules + 'node_modules/'.length);
  const lib = path.indexOf('/.bench-dist/');
  return lib !== -1 ? path.slice(lib + '/.bench-dist/'.length) : path;
}

/** Which part of the stack a frame belongs to. */
function area(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  if (isLib(path)) return 'nest-sessions (lib/)';
  if (path.includes('/.bench-dist/bench/')) return 'bench app';
  const modules = path.lastIndexOf('node_modules/');
  if (modules === -1) return path;
  const [scope, name] = path.slice(modules + 'node_modules/'.length).split('/');
  return scope!.startsWith('@') ? `${scope}/${name}` : scope!;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
