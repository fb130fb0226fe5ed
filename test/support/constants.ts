/** A secret long enough for SessionModule (32+ characters). */
export const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
export const OLD_SECRET = 'an-older-secret-that-is-also-long-enough-987654';
