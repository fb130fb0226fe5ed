import { randomBytes } from 'node:crypto';

/**
 * Bytes from the system's random source, drawn many at a time: one
 * `randomBytes` call per refill is far cheaper than one per use. Each byte is
 * handed out once; a refill makes a new buffer, so earlier views stay as they were.
 */
export class RandomPool {
  private pool = Buffer.alloc(0);
  private offset = 0;

  constructor(private readonly bytesPerRefill: number) {}

  /** `size` fresh random bytes, as a view into the pool (wipe it once used, if it is secret). */
  take(size: number): Buffer {
    if (this.offset + size > this.pool.length) {
      this.pool = randomBytes(Math.max(size, this.bytesPerRefill));
      this.offset = 0;
    }
    const bytes = this.pool.subarray(this.offset, this.offset + size);
    this.offset += size;
    return bytes;
  }
}
