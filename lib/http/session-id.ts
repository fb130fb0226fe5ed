import { randomBytes } from 'node:crypto';

/** 32 random bytes, base64url: 256 bits, beyond guessing. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Ids come back from clients and become keys, file names and SQL parameters: only our own shape passes. */
export function isSessionId(value: string): boolean {
  return ID_PATTERN.test(value);
}
