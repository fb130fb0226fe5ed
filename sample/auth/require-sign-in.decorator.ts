import { applyDecorators, UseFilters, UseGuards } from '@nestjs/common';
import { SignInRedirectFilter } from './sign-in-redirect.filter.js';
import { SignedInGuard } from './signed-in.guard.js';

/** On a controller or a route: only for signed-in users; others are sent to /sign-in and brought back after. */
export function RequireSignIn(): ClassDecorator & MethodDecorator {
  return applyDecorators(UseGuards(SignedInGuard), UseFilters(SignInRedirectFilter));
}
