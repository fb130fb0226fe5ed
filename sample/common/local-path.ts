/** A path on this site to redirect to, or `fallback`: never another origin (`//evil.example`, `/\evil`). */
export function localPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  return value;
}
