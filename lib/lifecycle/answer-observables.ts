import { Observable } from 'rxjs';

/**
 * The handler's answer, once `ready` settles (a store load). One Observable
 * instead of `from(ready).pipe(mergeMap(...))`: it runs on every session
 * request, and each rxjs operator adds subscribers to make and tear down.
 */
export function afterLoading<T>(ready: Promise<unknown>, answer: () => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    let inner: { unsubscribe(): void } | undefined;
    ready.then(
      () => {
        if (subscriber.closed) return;
        try {
          inner = answer().subscribe(subscriber);
        } catch (error) {
          subscriber.error(error);
        }
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => inner?.unsubscribe();
  });
}

/** What happens when the handler answers. */
export interface AnswerHooks {
  /** Runs once the handler's Observable completed with values; a promise holds them back until it settles. */
  beforeAnswer(): Promise<unknown> | undefined;
  /** The handler threw (or `beforeAnswer` failed): resolves to, or throws, the error the client gets. */
  failed(error: unknown): Promise<never>;
}

/**
 * `source`, its values held until it completes, then `hooks.beforeAnswer`
 * run before they go on: for HTTP Nest answers with an Observable's last
 * value, so what the handler changed while emitting is all saved before
 * the answer leaves. An error goes to `hooks.failed`.
 */
export function onAnswer<T>(source: Observable<T>, hooks: AnswerHooks): Observable<T> {
  return new Observable<T>((subscriber) => {
    const values: T[] = [];
    const fail = (error: unknown) => {
      hooks.failed(error).then(undefined, (final: unknown) => subscriber.error(final));
    };
    const deliver = () => {
      for (const value of values) subscriber.next(value);
      subscriber.complete();
    };
    return source.subscribe({
      next: (value) => void values.push(value),
      error: fail,
      complete: () => {
        // No value: Nest answers with an error of its own, which commits nothing.
        if (values.length === 0) return subscriber.complete();
        let held: Promise<unknown> | undefined;
        try {
          held = hooks.beforeAnswer();
        } catch (error) {
          return fail(error);
        }
        if (!held) return deliver();
        held.then(deliver, (error: unknown) => subscriber.error(error));
      },
    });
  });
}
