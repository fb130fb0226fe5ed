import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { isStoredSession, type StoredSession } from '../stores/session-store.js';
import { isSessionId } from './session-id.js';

export interface OpenedCookie {
  id: string;
  record: StoredSession;
  /** Sealed under an older secret: re-seal under the first. */
  stale: boolean;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

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

  constructor(secrets: readonly string[], cookieName: string) {
    this.keys = secrets.map((secret) => Buffer.from(hkdfSync('sha256', secret, 'nest-sessions', 'cookie-store:aes-256-gcm', 32)));
    this.aad = Buffer.from(cookieName, 'utf8');
  }

  seal(id: string, record: StoredSession): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0], iv);
    cipher.setAAD(this.aad);
    // A pair, not `{ id, ...record }`: no object copy on the way in, no rest-spread on the way out.
    const plain = JSON.stringify([id, record]);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  open(value: string): OpenedCookie | undefined {
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
      return this.parse(plain, i > 0);
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
