import type { UserSessionInfo } from '../../lib/index.js';

/** One row of the "Your devices" page. */
export interface DeviceRow extends UserSessionInfo {
  /** "Firefox on Linux", from the User-Agent the session was created with. */
  label: string;
  /** The session this page is being served to. */
  current: boolean;
}

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrome\/|CriOS\//, 'Chrome'],
  [/Safari\//, 'Safari'],
  [/curl\//, 'curl'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iOS/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/** A short, human name for a User-Agent: enough to tell one's own devices apart, no parsing library needed. */
export function deviceLabel(userAgent: string | undefined): string {
  if (!userAgent) return 'Unknown device';
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.split(/[\s/]/, 1)[0]!.slice(0, 40);
}

export function describeDevice(info: UserSessionInfo, currentDigest: string): DeviceRow {
  return { ...info, label: deviceLabel(info.userAgent), current: info.id === currentDigest };
}
