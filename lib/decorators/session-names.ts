import { SESSION_NAMES_METADATA } from '../session.constants.js';

/** Records on the handler (or class) that it uses session `name`, so the module's interceptor loads it. */
export function markSessionUse(target: object, name: string): void {
  const existing = (Reflect.getMetadata(SESSION_NAMES_METADATA, target) as string[] | undefined) ?? [];
  if (!existing.includes(name)) Reflect.defineMetadata(SESSION_NAMES_METADATA, [...existing, name], target);
}
