import { applyDecorators, Render, SetMetadata } from '@nestjs/common';

export const PAGE_METADATA = 'sample:page';

/**
 * A server-rendered page: `@Render(view)`, and the layout's own data (theme,
 * current path, store) added by `LayoutInterceptor`. The template also gets
 * `session` and `flash` from nest-sessions, as every `@Render` view does.
 */
export function Page(view: string): MethodDecorator {
  return applyDecorators(Render(view), SetMetadata(PAGE_METADATA, true));
}
