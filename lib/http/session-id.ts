import { RandomPool } from './random-pool.js';

const ID_BYTES = 32;
/** Enough for 128 ids per draw from the system's random source. */
const random = new RandomPool(ID_BYTES * 128);

/** 32 random bytes, base64url: 256 bits, beyond guessing. Each pooled byte serves once and is wiped once used. */
export function newSessionId(): string {
  const bytes = random.take(ID_BYTES);
  const id = bytes.toString('base64url');
  bytes.fill(0);
  return id;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Ids come back from clients and become keys, file names and SQL parameters: only our own shape passes. */
export function isSessionId(value: string): boolean {
  return ID_PATTERN.test(value);
}
