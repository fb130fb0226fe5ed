import type { CommitHeaders } from './response-headers.js';

/*
 * What a commit tells the response hook, planned as the response's head is
 * about to leave: headers to add, a failure to answer instead, or a commit
 * still waiting for its store.
 */

/** What the client gets instead of the handler's response when the commit failed: nothing was saved. */
export interface CommitFailure {
  readonly failure: { readonly status: number; readonly body: Record<string, unknown> };
}

/** A commit that waits for the store; the response is held until it settles. */
export interface PendingCommit {
  /** Never rejects: a failure resolves to the answer to send instead. */
  readonly settled: Promise<CommitHeaders | CommitFailure>;
  /** The headers to send at once, for a response that must start before the store answered (a stream). */
  headersNow(): CommitHeaders;
}

export type CommitOutcome = CommitHeaders | CommitFailure | PendingCommit | undefined;

/** Plans the commit for the status the response carries; runs once per response. */
export type ResponseCommitter = (status: number) => CommitOutcome;
