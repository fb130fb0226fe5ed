/**
 * The shapes of the sample's sessions. `Session<AppSession>` makes every dot
 * path (`'user.name'`, `'cart.items'`) and its value type compile-time checked.
 */
export interface AppSession {
  /**
   * Set on sign-in; its presence is what "signed in" means. `id` is what the
   * session is tagged with (`session.tag(id)`), so "Your devices" finds it.
   */
  user?: { id: string; name: string; signedInAt: number; remembered?: boolean };
  /** The home page's visit counter (`increment`). */
  visits?: number;
  /** Product SKUs, one entry per item added (`push`). */
  cart?: { items: string[]; updatedAt?: number };
  /** Where to go after signing in: saved by the guard. */
  returnTo?: string;
}

/** Field errors of the sign-in form, flashed back with the old input. */
export interface SignInErrors {
  name?: string;
  password?: string;
}

/** Flash messages: the three alert levels the shared partial shows, plus the form's errors and old input. */
export interface AppFlash {
  success: string;
  warning: string;
  danger: string;
  errors: SignInErrors;
  old: { name: string };
}

export type Theme = 'light' | 'dark';
export const THEMES: readonly Theme[] = ['light', 'dark'];

/** The named `prefs` session: lives in its own cookie and outlives sign-out. */
export interface Prefs {
  theme: Theme;
}
