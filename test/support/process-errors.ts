/**
 * What would have killed a real server: errors that reach the process as an
 * uncaught exception or an unhandled rejection. A suite calls
 * `failOnProcessErrors()` once; each test then fails if one was recorded
 * during it (or since the previous test ended), listing them.
 *
 * Jest hands a test file its own copy of `process`, whose listeners never hear
 * the real process's events; the real one is reached through a function built
 * in Node's own realm (`Buffer` comes from there), whose global `process` is it.
 */
const realProcess = (Buffer.constructor as FunctionConstructor)('return process')() as NodeJS.Process;

/** How long a test's last response may take to throw after the client has it (a second `end()`, a late hook). */
const SETTLE_MS = 50;

export function failOnProcessErrors(): { readonly errors: unknown[] } {
  const errors: unknown[] = [];
  const record = (error: unknown) => void errors.push(error);

  beforeAll(() => {
    realProcess.on('uncaughtException', record);
    realProcess.on('unhandledRejection', record);
  });
  afterAll(() => {
    realProcess.off('uncaughtException', record);
    realProcess.off('unhandledRejection', record);
  });
  afterEach(async () => {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const seen = errors.splice(0);
    expect(seen.map(describeError)).toEqual([]);
  });
  return { errors };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${code ? ` [${String(code)}]` : ''}: ${error.message}\n${error.stack?.split('\n').slice(1, 8).join('\n') ?? ''}`;
}
