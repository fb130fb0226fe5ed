import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  method: 'GET' | 'POST';
  /** One Cookie header per connection (connection i sends cookies[i % n]); none: no cookie at all. */
  cookies?: readonly string[];
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  requests: number;
  /** Responses per second over the whole run. */
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/**
 * Drives the app with autocannon from this (the parent) process: keep-alive
 * connections, a fixed number of them, pipelining 1, for a fixed duration.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let next = 0;
  const cookies = options.cookies;
  const result = await autocannon({
    url: options.url,
    method: options.method,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSeconds,
    timeout: 10,
    setupClient: cookies?.length
      ? (client) => {
          client.setHeaders({ cookie: cookies[next++ % cookies.length]! });
        }
      : undefined,
  });
  return {
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
