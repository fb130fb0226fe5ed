/** Just enough typing for the `hbs` view engine (it ships none). */
declare module 'hbs' {
  import type { HelperDelegate } from 'handlebars';

  export interface HbsInstance {
    /** The Express view engine: `app.engine('hbs', instance.__express)`. */
    __express(path: string, options: object, callback: (error: unknown, html?: string) => void): void;
    registerHelper(name: string, helper: HelperDelegate): void;
    /** Every `.hbs` file under `directory` becomes a partial named after its path; renders wait until they are read. */
    registerPartials(directory: string, done?: (error?: unknown) => void): void;
    /** An instance with its own Handlebars environment, helpers, partials and cache. */
    create(): HbsInstance;
  }

  const hbs: HbsInstance;
  export default hbs;
}
