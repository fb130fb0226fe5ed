import { DEFAULT_SESSION_NAME } from '../session.options.js';
import { markSessionUse } from './session-names.js';

/**
 * Loads sessions for handlers that reach them without a parameter, e.g.
 * through `request.session` or a view. On a class: every handler in it.
 */
export function UseSession(...names: string[]): MethodDecorator & ClassDecorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where = descriptor ? (descriptor.value as object) : target;
    for (const name of names.length ? names : [DEFAULT_SESSION_NAME]) markSessionUse(where, name);
  }) as MethodDecorator & ClassDecorator;
}
