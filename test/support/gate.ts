/** What the test holds once it closed a gate: when a handler got there, and the way on. */
export interface HeldGate {
  /** Resolves once a handler reached the gate (its session loaded, say). */
  readonly arrived: Promise<void>;
  /** Lets the handlers waiting at the gate, and any that come later, go on. */
  release(): void;
}

/**
 * A point in a handler (or middleware) where it waits for the test, so the
 * test can act at that moment: pause Redis, lock a row, swap a directory.
 * Open until the test closes it.
 */
export class TestGate {
  private arrive: () => void = () => undefined;
  private open: () => void = () => undefined;
  private released: Promise<void> = Promise.resolve();

  /** The next handlers to reach the gate wait there until the test releases it. */
  close(): HeldGate {
    const arrived = new Promise<void>((resolve) => (this.arrive = resolve));
    this.released = new Promise<void>((resolve) => (this.open = resolve));
    return { arrived, release: this.open };
  }

  /** Called by the handler: waits while the gate is closed. */
  async pass(): Promise<void> {
    this.arrive();
    await this.released;
  }

  /** Opens it for good (after the tests): nothing is left waiting. */
  release(): void {
    this.open();
  }
}
