import type { SignInErrors } from '../app-session.js';

/** The sample has no user database: any name signs in with this password (the form says so). */
export const DEMO_PASSWORD = 'demo';

export type SignInResult = { ok: true; name: string; remember: boolean } | { ok: false; errors: SignInErrors; old: { name: string } };

/** The sample's user id for a name: one user per name, whatever its case. A real app has its users' ids. */
export function userIdOf(name: string): string {
  return name.toLowerCase();
}

/** Checks the posted form. The old input sent back never includes the password. */
export function checkSignIn(body: unknown): SignInResult {
  const form = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const name = typeof form.name === 'string' ? form.name.trim() : '';
  const password = typeof form.password === 'string' ? form.password : '';
  const errors: SignInErrors = {};
  if (!name) errors.name = 'Tell us your name.';
  else if (name.length > 40) errors.name = 'Keep it under 40 characters.';
  if (!password) errors.password = 'Enter the password.';
  else if (password !== DEMO_PASSWORD) errors.password = `That is not it: the password is "${DEMO_PASSWORD}".`;
  const remember = form.remember === 'on' || form.remember === true; // a checked checkbox posts "on"
  return Object.keys(errors).length ? { ok: false, errors, old: { name: name.slice(0, 40) } } : { ok: true, name, remember };
}
