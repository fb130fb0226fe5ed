import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { SignInRequired } from './signed-in.guard.js';

/** Signed-out visitors of a protected page go to the sign-in form (303: fetch it with GET). */
@Catch(SignInRequired)
export class SignInRedirectFilter implements ExceptionFilter {
  catch(_error: SignInRequired, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().redirect(303, '/sign-in');
  }
}
