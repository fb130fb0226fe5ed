import { jsonBytesAtMost } from '../core/json-value.js';
import { SessionTooLargeError } from '../errors/session-too-large.error.js';
import { serializeSession, type StoredSession } from '../stores/session-store.js';
import type { CommitPlan } from './commit-plan.js';

/** The version, dates and field names of a record, at their longest. */
const RECORD_FRAME_BYTES = 128;

/**
 * Measured as the JSON a store writes. A session whose bound is under the
 * limit fits without serialising it; otherwise the JSON decides, with
 * Buffer.byteLength only when the string could be near it.
 */
export function assertSize(plan: CommitPlan, record: StoredSession): void {
  const { maxSize, name } = plan.session;
  const room = maxSize - RECORD_FRAME_BYTES;
  if (jsonBytesAtMost(record.flash, room) + jsonBytesAtMost(record.data, room) <= room) return;
  const json = serializeSession(record);
  if (json.length * 3 <= maxSize) return; // even all-multibyte text would fit
  const bytes = Buffer.byteLength(json);
  if (bytes > maxSize) throw SessionTooLargeError.forStore(name, bytes, maxSize);
}
