import { SessionConfigError } from '../errors/session-config.error.js';

/** Milliseconds, or a string such as `'500ms'`, `'30s'`, `'15m'`, `'2h'`, `'7d'`. */
export type Duration = number | `${number}${DurationUnit}` | `${number} ${DurationUnit}`;
type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w';

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/** A Duration in whole ms; throws SessionConfigError naming `option` for anything else. */
export function parseDuration(value: unknown, option: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.round(value);
  if (typeof value === 'string') {
    const match = PATTERN.exec(value.trim());
    if (match) {
      const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]);
      if (ms > 0) return ms;
    }
  }
  throw new SessionConfigError(
    `SessionModule option "${option}" must be a positive number of milliseconds or a string like '30m', '2h' or '7d'; got ${JSON.stringify(value)}.`,
  );
}
