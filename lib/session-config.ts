import { parseDuration } from './core/duration.js';
import type { SessionRules } from './core/session.js';
import { SessionConfigError } from './errors/session-config.error.js';
import { CookieSealer } from './http/cookie-sealer.js';
import { CookieSigner } from './http/cookie-signer.js';
import { SetCookieTemplate, type SetCookieAttributes } from './http/cookie-header.js';
import { resolveCookie } from './session-cookie-config.js';
import { newSessionId } from './http/session-id.js';
import {
  DEFAULT_SESSION_NAME,
  DEFAULTS,
  type SessionModuleOptions,
  type SessionSettings,
} from './session.options.js';
import { sealsIntoCookie } from './stores/cookie.store.js';
import { MemoryStore } from './stores/memory.store.js';
import type { ViewLocalsOptions } from './views/view-locals.js';
import type { SessionStore } from './stores/session-store.js';
import { resolveDeviceCapture, type DeviceCapture } from './users/device-capture.js';

/** One session kind (the default or a named one) with every option resolved and checked. */
export interface ResolvedSession {
  readonly name: string;
  readonly store: SessionStore;
  readonly storeName: string;
  readonly cookieName: string;
  readonly cookie: Omit<SetCookieAttributes, 'secure' | 'expires'>;
  /** `cookie` and `cookieName` joined once into the fixed part of every Set-Cookie line. */
  readonly setCookie: SetCookieTemplate;
  /** `'auto'` is decided per request. */
  readonly secure: boolean | 'auto';
  readonly idleMs: number;
  /** Infinity when there is no absolute timeout. */
  readonly absoluteMs: number;
  readonly touchAfterMs: number;
  readonly expireOnClose: boolean;
  /** Bytes of JSON a commit may store. */
  readonly maxSize: number;
  readonly signer: CookieSigner;
  /** Set when the store keeps sessions in the cookie itself (CookieStore). */
  readonly sealer: CookieSealer | undefined;
  /** A fresh id with its creation time and first expiry, for regenerate and invalidate. */
  readonly newId: SessionRules['newId'];
  /** The store can find sessions by tag: `session.tag()` and `UserSessions` work. */
  readonly taggable: boolean;
  /** What new records keep about the client that created them; undefined: nothing. */
  readonly captureDevice: DeviceCapture | undefined;
}

export interface ResolvedConfig {
  readonly sessions: ReadonlyMap<string, ResolvedSession>;
  readonly maxCommitAttempts: number;
  readonly viewLocals: Required<ViewLocalsOptions> | false;
  /** `sessionManager.current()` without a request works: handlers run in AsyncLocalStorage. */
  readonly asyncContext: boolean;
}

/** Turns module options into a checked configuration; every refusal says how to fix it. */
export function resolveConfig(options: SessionModuleOptions, defaultStore: SessionStore | undefined = options?.store): ResolvedConfig {
  if (!options || typeof options !== 'object') {
    throw new SessionConfigError('SessionModule.forRoot() needs an options object with at least { secret }.');
  }
  const secrets = resolveSecrets(options.secret);
  const signer = new CookieSigner(secrets);
  const named = Object.keys(options.sessions ?? {}).length;
  if (named + 1 > DEFAULTS.maxSessions) {
    throw new SessionConfigError(
      `SessionModule configures ${named + 1} sessions (the default one and ${named} named); at most ${DEFAULTS.maxSessions} are allowed. ` +
        "Each one is another cookie on every request, and browsers and proxies cap the Cookie header: group related values in one session under paths such as 'prefs.theme'.",
    );
  }
  const sessions = new Map<string, ResolvedSession>();
  sessions.set(
    DEFAULT_SESSION_NAME,
    resolveSession(DEFAULT_SESSION_NAME, options, {}, defaultStore, signer, secrets),
  );
  for (const [name, settings] of Object.entries(options.sessions ?? {})) {
    if (name === DEFAULT_SESSION_NAME || !/^[A-Za-z0-9_-]+$/.test(name)) {
      throw new SessionConfigError(
        `Named session "${name}" is not allowed: use letters, digits, "-" or "_", and not "${DEFAULT_SESSION_NAME}" (the unnamed session).`,
      );
    }
    sessions.set(name, resolveSession(name, settings, options, settings.store, signer, secrets));
  }
  assertDistinctCookies([...sessions.values()]);
  const maxCommitAttempts = options.maxCommitAttempts ?? DEFAULTS.maxCommitAttempts;
  if (!Number.isInteger(maxCommitAttempts) || maxCommitAttempts < 1) {
    throw new SessionConfigError(`"maxCommitAttempts" must be a whole number of at least 1; got ${maxCommitAttempts}.`);
  }
  const viewLocals = options.viewLocals === false ? false : { session: 'session', flash: 'flash', ...options.viewLocals };
  return { sessions, maxCommitAttempts, viewLocals, asyncContext: options.asyncContext === true };
}

function resolveSecrets(secret: unknown): string[] {
  const list = typeof secret === 'string' ? [secret] : Array.isArray(secret) ? [...secret] : [];
  if (list.length === 0) {
    throw new SessionConfigError(
      'SessionModule needs a "secret" (or a list of secrets) to sign cookies. Set one from configuration, e.g. secret: process.env.SESSION_SECRET; generate it with: node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))"',
    );
  }
  list.forEach((s, i) => {
    if (typeof s !== 'string' || s.length < DEFAULTS.minSecretLength) {
      const got = typeof s === 'string' ? `${s.length} characters` : typeof s;
      throw new SessionConfigError(
        `SessionModule "secret"${list.length > 1 ? `[${i}]` : ''} must be a string of at least ${DEFAULTS.minSecretLength} characters; got ${got}. Generate one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`,
      );
    }
  });
  return list as string[];
}

function resolveSession(
  name: string,
  own: SessionSettings,
  inherited: SessionSettings,
  store: SessionStore | undefined,
  signer: CookieSigner,
  secrets: readonly string[],
): ResolvedSession {
  const label = name === DEFAULT_SESSION_NAME ? 'SessionModule' : `Session "${name}"`;
  const pick = <K extends keyof SessionSettings>(key: K) => (own[key] !== undefined ? own[key] : inherited[key]);
  const idleMs = parseDuration(pick('idleTimeout') ?? DEFAULTS.idleTimeout, 'idleTimeout');
  const absolute = pick('absoluteTimeout');
  const absoluteMs = absolute === undefined || absolute === false ? Infinity : parseDuration(absolute, 'absoluteTimeout');
  const touchAfter = pick('touchAfter');
  const touchAfterMs =
    touchAfter === undefined ? Math.floor(idleMs * DEFAULTS.touchAfterFraction) : parseDuration(touchAfter, 'touchAfter');
  if (touchAfterMs >= idleMs) {
    throw new SessionConfigError(`${label}: "touchAfter" (${touchAfterMs} ms) must be shorter than "idleTimeout" (${idleMs} ms), or sessions would expire between extensions.`);
  }
  const maxSize = pick('maxSize') ?? DEFAULTS.maxSize;
  if (!Number.isInteger(maxSize) || maxSize < 1024) {
    throw new SessionConfigError(`${label}: "maxSize" must be a whole number of bytes, at least 1024; got ${maxSize}.`);
  }
  const resolvedStore = store ?? new MemoryStore();
  assertStore(resolvedStore, label);
  const cookieOptions = { ...inherited.cookie, ...own.cookie, name: own.cookie?.name };
  const defaultName = name === DEFAULT_SESSION_NAME ? DEFAULTS.cookieName : `${inherited.cookie?.name ?? DEFAULTS.cookieName}.${name}`;
  const { cookieName, cookie, secure } = resolveCookie(cookieOptions, cookieOptions.name ?? defaultName, label);
  return {
    name,
    store: resolvedStore,
    storeName: resolvedStore.constructor?.name ?? 'SessionStore',
    cookieName,
    cookie,
    setCookie: new SetCookieTemplate(cookieName, cookie),
    secure,
    idleMs,
    absoluteMs,
    touchAfterMs,
    expireOnClose: pick('expireOnClose') ?? false,
    maxSize,
    signer,
    sealer: sealsIntoCookie(resolvedStore) ? new CookieSealer(secrets, cookieName) : undefined,
    newId: newSessionId,
    taggable: !sealsIntoCookie(resolvedStore) && typeof resolvedStore.findTagged === 'function',
    captureDevice: resolveDeviceCapture(pick('captureDevice'), label),
  };

}

function assertStore(store: SessionStore, label: string): void {
  const missing = (['get', 'set', 'destroy', 'touch'] as const).filter((m) => typeof store?.[m] !== 'function');
  if (missing.length) {
    throw new SessionConfigError(`${label}: "store" must implement SessionStore (missing ${missing.join(', ')}); pass e.g. new MemoryStore() or new RedisStore({ client }).`);
  }
}

function assertDistinctCookies(sessions: ResolvedSession[]): void {
  const seen = new Map<string, string>();
  for (const s of sessions) {
    const other = seen.get(s.cookieName);
    if (other) throw new SessionConfigError(`Sessions "${other}" and "${s.name}" both use the cookie "${s.cookieName}"; give one of them another cookie.name.`);
    seen.set(s.cookieName, s.name);
  }
}
