import { readFileSync } from 'node:fs';

/**
 * CPU time the hypervisor took from this virtual machine (the `steal` column
 * of /proc/stat). On a shared 2-core VM it comes in bursts and slows every
 * process alike, so a row measured during one is not comparable with a row
 * measured outside it: the report shows it beside each row.
 */
export interface CpuTicks {
  total: number;
  steal: number;
}

export function readCpuTicks(): CpuTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const fields = line.trim().split(/\s+/).slice(1).map(Number); // user nice system idle iowait irq softirq steal …
    return { total: fields.slice(0, 8).reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return undefined; // not Linux: no figure
  }
}
