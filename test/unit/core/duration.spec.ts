import { parseDuration } from '../../../lib/core/duration.js';
import { SessionConfigError } from '../../../lib/index.js';

describe('durations', () => {
  it.each([
    [1500, 1500],
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
    ['1w', 604_800_000],
    ['2 h', 7_200_000],
  ])('reads %p as %p ms', (input, ms) => {
    expect(parseDuration(input, 'idleTimeout')).toBe(ms);
  });

  it.each([0, -1, Number.NaN, '', '2 hours', 'h', '-5m', null, {}])('refuses %p with an error naming the option and the forms it takes', (input) => {
    expect(() => parseDuration(input, 'idleTimeout')).toThrow(SessionConfigError);
    expect(() => parseDuration(input, 'idleTimeout')).toThrow(/"idleTimeout".*'2h'/);
  });
});
