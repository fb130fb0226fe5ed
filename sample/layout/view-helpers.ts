import type { HelperDelegate } from 'handlebars';
import { formatEuros } from '../common/money.js';

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

function fromNow(epochMs: number): string {
  const seconds = Math.round((epochMs - Date.now()) / 1000);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [['day', 86_400], ['hour', 3_600], ['minute', 60]];
  for (const [unit, size] of steps) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(seconds, 'second');
}

const toMs = (value: unknown): number => (value instanceof Date ? value.getTime() : Number(value));

/** Handlebars helpers the templates use. Handlebars passes an options hash last; helpers ignore it. */
export const VIEW_HELPERS: Record<string, HelperDelegate> = {
  eq: (a: unknown, b: unknown) => a === b,
  /** `class="{{active layout.path '/cart'}}"`: marks the nav link of the current section. */
  active: (path: string, href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`)) ? 'active' : '',
  json: (value: unknown) => JSON.stringify(value ?? {}, null, 2),
  datetime: (value: unknown) => dateTime.format(toMs(value)),
  fromNow: (value: unknown) => fromNow(toMs(value)),
  money: (cents: number) => formatEuros(cents),
  plural: (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`,
};
