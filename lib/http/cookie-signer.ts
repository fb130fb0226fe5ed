import { createHmac, timingSafeEqual } from 'node:crypto';
import { isSessionId } from './session-id.js';
import { VerifiedCache } from './verified-cache.js';

export interface UnsignedId {
  id: string;
  /** Verified with an older secret: the response should carry a cookie signed with the first. */
  stale: boolean;
}

/** Verified cookie values remembered, so a returning browser costs a Map lookup, not an HMAC per secret. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Cookies carry `id.signature`, HMAC-SHA256 with the first secret. Every
 * listed secret verifies, so secrets rotate by prepending a new one.
 */
export class CookieSigner {
  private readonly keys: readonly Buffer[];
  private readonly verified = new VerifiedCache<UnsignedId>(VERIFIED_CACHE_SIZE);

  constructor(secrets: readonly string[]) {
    this.keys = secrets.map((secret) => Buffer.from(secret, 'utf8'));
  }

  sign(id: string): string {
    return `${id}.${this.mac(this.keys[0], id).toString('base64url')}`;
  }

  unsign(value: string): UnsignedId | undefined {
    const known = this.verified.get(value);
    if (known) return known;
    const result = this.verify(value);
    if (result) this.verified.set(value, result);
    return result;
  }

  private verify(value: string): UnsignedId | undefined {
    const dot = value.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const id = value.slice(0, dot);
    if (!isSessionId(id)) return undefined;
    const signature = value.slice(dot + 1);
    const given = Buffer.from(signature, 'base64url');
    // Node's decoder skips stray characters and padding: only the one canonical spelling of a MAC counts.
    if (given.length !== 32 || given.toString('base64url') !== signature) return undefined;
    for (let i = 0; i < this.keys.length; i++) {
      // Constant-time: the comparison leaks nothing about how much of a forged signature matched.
      if (timingSafeEqual(given, this.mac(this.keys[i], id))) return { id, stale: i > 0 };
    }
    return undefined;
  }

  private mac(key: Buffer, id: string): Buffer {
    return createHmac('sha256', key).update(id).digest();
  }
}
