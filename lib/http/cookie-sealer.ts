import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { copySession, isStoredSession, serializeSession, type StoredSession } from '../stores/session-store.js';
import { RandomPool } from './random-pool.js';
import { isSessionId } from './session-id.js';
import { VerifiedCache } from './verified-cache.js';

export interface OpenedCookie {
  id: string;
  record: StoredSession;
  /** Sealed under an older secret: re-seal under the first. */
  stale: boolean;
}

/** A remembered cookie's decrypted text, and the record parsed from it once asked (null: it did not parse). */
interface OpenedPlain {
  readonly plain: string;
  readonly stale: boolean;
  parsed?: OpenedCookie | null;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** IVs drawn from the system's random source per refill: one call per 256 seals instead of one each. */
const IVS_PER_REFILL = 256;
/** Opened cookies remembered (by whole value), and the characters they may hold in all (values and payloads). */
const OPENED_CACHE_ENTRIES = 10_000;
const OPENED_CACHE_CHARS = 4_000_000;

/**
 * Seals a whole session into a cookie value with AES-256-GCM: confidential
 * (the client reads nothing) and authenticated (any change fails to open).
 * One key per module secret, derived with HKDF so the signing secret is never
 * used as a cipher key directly; the cookie name is bound in as associated
 * data, so a sealed value cannot be replayed under another cookie.
 */
export class CookieSealer {
  private readonly keys: readonly Buffer[];
  private readonly aad: Buffer;
  /**
   * A returning browser's unchanged cookie opens from here: a Map lookup and
   * a copy of the record parsed on the first visit, no cipher set-up. The
   * parsed record comes from the decrypted text, never from an object a
   * request still holds, and only copies of it leave.
   */
  private readonly opened = new VerifiedCache<OpenedPlain>(OPENED_CACHE_ENTRIES, OPENED_CACHE_CHARS);
  private readonly ivs = new RandomPool(IV_BYTES * IVS_PER_REFILL);

  constructor(secrets: readonly string[], cookieName: string) {
    this.keys = secrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, 'nest-sessions', 'cookie-store:aes-256-gcm', 32)));
    this.aad = Buffer.from(cookieName, 'utf8');
  }

  seal(id: string, record: StoredSession): string {
    // A fresh 96-bit random IV; random IVs under one key stay safe far beyond any session count (NIST SP 800-38D).
    const iv = this.ivs.take(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0], iv);
    cipher.setAAD(this.aad);
    // A pair, not `{ id, ...record }`: no object copy on the way in, no rest-spread on the way out.
    // The record's JSON is usually at hand already (the size check made it).
    const plain = `[${JSON.stringify(id)},${serializeSession(record)}]`;
    const body = cipher.update(plain, 'utf8');
    const sealed = Buffer.concat([iv, body, cipher.final(), cipher.getAuthTag()]).toString('base64url');
    // The browser sends this value back next: it opens from the cache, as a value that verified would.
    this.opened.set(sealed, { plain, stale: false }, plain.length);
    return sealed;
  }

  open(value: string): OpenedCookie | undefined {
    const known = this.opened.get(value);
    if (known) return handOut((known.parsed ??= this.parse(known.plain, known.stale) ?? null));
    if (!/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
    const raw = Buffer.from(value, 'base64url');
    // Unused trailing bits or a dangling character decode to the same bytes: accept only what seal() writes.
    if (raw.length <= IV_BYTES + TAG_BYTES || raw.toString('base64url') !== value) return undefined;
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const body = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
    for (let i = 0; i < this.keys.length; i++) {
      const plain = this.decrypt(this.keys[i], iv, body, tag);
      if (plain === undefined) continue;
      const parsed = this.parse(plain, i > 0);
      if (parsed) this.opened.set(value, { plain, stale: i > 0, parsed }, plain.length);
      return handOut(parsed ?? null);
    }
    return undefined;
  }

  private decrypt(key: Buffer, iv: Buffer, body: Buffer, tag: Buffer): string | undefined {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(this.aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined; // wrong key or tampered: authentication failed
    }
  }

  private parse(plain: string, stale: boolean): OpenedCookie | undefined {
    try {
      const pair = JSON.parse(plain) as unknown;
      if (!Array.isArray(pair) || pair.length !== 2) return undefined;
      const [id, record] = pair as [unknown, unknown];
      if (typeof id !== 'string' || !isSessionId(id) || !isStoredSession(record)) return undefined;
      return { id, record, stale };
    } catch {
      return undefined;
    }
  }
}

/**
 * A copy of a parsed record, never the parsed record itself, and the same on
 * both paths: a value this instance remembers and one it had to decrypt open
 * to equal records (a copy drops "__proto__" keys, as every copy does).
 */
function handOut(parsed: OpenedCookie | null): OpenedCookie | undefined {
  return parsed ? { id: parsed.id, record: copySession(parsed.record), stale: parsed.stale } : undefined;
}
