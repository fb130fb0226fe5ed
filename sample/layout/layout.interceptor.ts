import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { map, type Observable } from 'rxjs';
// A real app imports this from 'nest-sessions'.
import { SessionManager } from '../../lib/index.js';
import type { Prefs } from '../app-session.js';
import { SAMPLE_CONFIG } from '../config/sample-config.module.js';
import type { SampleConfig } from '../config/sample-config.js';
import { SessionBackend } from '../config/session-backend.js';
import { PAGE_METADATA } from './page.decorator.js';

/**
 * What the layout and partials read as `site.*` (not `layout`: hbs takes a
 * `layout` value as the name of the layout file to use).
 */
export interface SiteData {
  theme: Prefs['theme'];
  path: string;
  store: string;
  developmentSecret: boolean;
}

/**
 * Adds `site` to the data of every `@Page`: the theme from the named
 * `prefs` session (loaded through SessionManager, as any code outside a
 * controller would), the current path and the store in use.
 */
@Injectable()
export class LayoutInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionManager,
    private readonly backend: SessionBackend,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (!this.reflector.get<boolean>(PAGE_METADATA, context.getHandler())) return next.handle();
    const prefs = await this.sessions.load<Prefs>(context, 'prefs');
    const { path } = context.switchToHttp().getRequest<Request>();
    return next.handle().pipe(
      map((view) => {
        const site: SiteData = {
          theme: prefs.get('theme', 'light'),
          path,
          store: this.backend.label,
          developmentSecret: this.config.developmentSecret,
        };
        return { site, ...(view as object) };
      }),
    );
  }
}
