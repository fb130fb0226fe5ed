import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import hbs from 'hbs';
import { VIEW_HELPERS } from './layout/view-helpers.js';

/**
 * The sample's own folder. views/ and public/ sit beside this file: in
 * sample/ when run from source (tests), and in .sample-dist/sample/ where
 * nest-cli.json's `assets` copy them for `npm start`.
 */
export const SAMPLE_DIR = dirname(fileURLToPath(import.meta.url));

/** Handlebars views with a shared layout and partials, and the stylesheet. */
export function configureApp(app: NestExpressApplication): void {
  const views = join(SAMPLE_DIR, 'views');
  const engine = hbs.create(); // its own Handlebars environment: helpers and partials stay in this app
  for (const [name, helper] of Object.entries(VIEW_HELPERS)) engine.registerHelper(name, helper);
  engine.registerPartials(join(views, 'partials')); // {{> nav}}, {{> flash}}, {{> footer}}
  app.engine('hbs', engine.__express);
  app.setBaseViewsDir(views); // views/layout.hbs wraps every page
  app.setViewEngine('hbs');
  app.useStaticAssets(join(SAMPLE_DIR, 'public'), { maxAge: '1h' });
  app.disable('x-powered-by');
}
