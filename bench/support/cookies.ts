/**
 * Starts `count` sessions the way a browser would (one first request each,
 * no cookie) and returns the Cookie header each must send from then on, so
 * the measured requests hit existing sessions: the steady state.
 */
export async function captureSessions(url: string, count: number): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/create`);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`GET /create answered ${response.status}`);
    const pairs = response.headers.getSetCookie().map((line) => line.split(';', 1)[0]!.trim());
    if (pairs.length === 0) throw new Error('GET /create set no cookie: the session was not created');
    cookies.push(pairs.join('; '));
  }
  await assertSessionReads(url, cookies[0]!);
  return cookies;
}

/** A captured cookie must reach the stored session: /read then sees the counter /create set. */
async function assertSessionReads(url: string, cookie: string): Promise<void> {
  const response = await fetch(`${url}/read`, { headers: { cookie } });
  const body = (await response.json()) as { count?: number };
  if (body.count !== 1) throw new Error(`GET /read with the captured cookie answered ${JSON.stringify(body)}, not { count: 1 }`);
}
