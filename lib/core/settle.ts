export type Callback = (error?: unknown) => void;

/** Settles `work` as a promise and, when given, through a Node-style callback too (as express-session's methods do). */
export function settle(work: () => void, callback?: Callback): Promise<void> {
  let result: Promise<void>;
  try {
    work();
    result = Promise.resolve();
  } catch (error) {
    result = Promise.reject(error);
  }
  if (!callback) return result;
  result.then(
    () => process.nextTick(callback),
    (error: unknown) => process.nextTick(callback, error),
  );
  return result.catch(() => undefined);
}
