import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { DEFAULT_SESSION_NAME } from '../session.options.js';
import { markSessionUse } from './session-names.js';
import { loadedSession } from './session.decorator.js';

const flashParam = createParamDecorator((name: string, context: ExecutionContext) => loadedSession(context, name).flash);

/** The flash bag of the default session (or of session `name`): `@Flash() flash: FlashBag<AppFlash>`. */
export function Flash(name: string = DEFAULT_SESSION_NAME): ParameterDecorator {
  return (target, key, index) => {
    flashParam(name)(target, key, index);
    if (key !== undefined) markSessionUse((target as Record<string | symbol, object>)[key], name);
  };
}
