/**
 * Compile-time checks, run by `npm run typecheck` (part of `npm test`): each
 * `@ts-expect-error` line must fail to compile, or tsc reports the directive
 * as unused. Nothing here runs.
 */
import type { FlashBag, Session } from '../../lib/index.js';

interface AppSession {
  user?: { id: number; name: string; roles: string[]; profile?: { theme: 'light' | 'dark' } };
  cart: string[];
  visits: number;
}

interface AppFlash {
  success: string;
  count: number;
}

export function typedPaths(session: Session<AppSession>): void {
  session.set('user.id', 42);
  session.set('user.profile.theme', 'dark');
  session.set('cart', ['book']);
  const id: number | undefined = session.get('user.id');
  const roles: string[] = session.get('user.roles', []);
  session.push('user.roles', 'admin');
  session.push('cart', 'pen', 'ink');
  session.increment('visits');
  session.decrement('visits', 2);
  const popped: string[] | undefined = session.pop('cart');
  void [id, roles, popped];

  // @ts-expect-error: no such path
  session.set('user.email', 'a@b.c');
  // @ts-expect-error: wrong value type at a valid path
  session.set('user.id', 'forty-two');
  // @ts-expect-error: wrong literal type deep down
  session.set('user.profile.theme', 'blue');
  // @ts-expect-error: get returns the path's type, not a string
  const wrong: string = session.get('visits', 0);
  // @ts-expect-error: push needs a list path
  session.push('visits', 1);
  // @ts-expect-error: push items must match the list's item type
  session.push('cart', 3);
  // @ts-expect-error: increment needs a number path
  session.increment('cart');
  // @ts-expect-error: has/delete check paths too
  session.delete('nope');
  void wrong;
}

export function typedFlash(flash: FlashBag<AppFlash>): void {
  flash.set('success', 'Saved');
  flash.now('count', 3);
  const message: string | undefined = flash.get('success');
  flash.keep('success');
  flash.reflash(['count']);
  void message;

  // @ts-expect-error: unknown flash key
  flash.set('danger', 'x');
  // @ts-expect-error: wrong flash value type
  flash.set('count', 'three');
}

export function untypedByDefault(session: Session): void {
  // Without augmenting SessionData, any path and JSON value is accepted.
  session.set('anything.at.all', { nested: [1, 2] });
  const value: unknown = session.get('whatever');
  session.push('list', 1);
  session.increment('counter');
  void value;
}

export function readOnlyFacts(session: Session<AppSession>): void {
  const facts: [string, boolean, Date, Date] = [session.id, session.isNew, session.createdAt, session.expiresAt];
  // @ts-expect-error: the id is read-only
  session.id = 'forged';
  void facts;
}
