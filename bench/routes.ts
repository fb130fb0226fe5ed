/** The four routes every bench app serves, with equivalent handlers. */
export interface Route {
  readonly name: 'none' | 'read' | 'write' | 'create';
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /**
   * Whether requests carry a captured session cookie. `/none` carries one
   * too, as a browser would on every request: a library that loads the
   * session eagerly pays for it there.
   */
  readonly withCookie: boolean;
}

/** In run order: `create` last, since it grows the stores. */
export const ROUTES: readonly Route[] = [
  { name: 'none', method: 'GET', path: '/none', withCookie: true },
  { name: 'read', method: 'GET', path: '/read', withCookie: true },
  { name: 'write', method: 'POST', path: '/write', withCookie: true },
  { name: 'create', method: 'GET', path: '/create', withCookie: false },
];
