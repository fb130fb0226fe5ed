import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import { SessionConfigError, SessionError } from '../../lib/index.js';
import { RedisStore } from '../../lib/redis.js';
import { clusterNodes, redisUrl } from '../support/redis.js';
import { describeStoreConformance, newId, record, type StoreUnderTest } from './store-conformance.js';

type AnyClient = Redis5 | Cluster5 | Redis6 | Cluster6;

/** ioredis 5 and 6 are installed side by side here; their classes are twins TypeScript cannot unify. */
const handIn = (client: AnyClient) => client as unknown as Redis5;

/** Conformance subject over handed-in clients; every client made (reopen included) is quit by close. */
function overClients(makeClient: () => AnyClient): () => Promise<StoreUnderTest> {
  return async () => {
    const clients: AnyClient[] = [];
    const open = () => {
      const client = makeClient();
      clients.push(client);
      return new RedisStore({ client: handIn(client) });
    };
    const store = open();
    return {
      store,
      reopen: async () => open(),
      async close() {
        await store.close();
        for (const client of clients) await client.quit();
      },
    };
  };
}

describeStoreConformance('RedisStore, ioredis 5', overClients(() => new Redis5(redisUrl())));
describeStoreConformance('RedisStore, ioredis 6 (RESP3, the default)', overClients(() => new Redis6(redisUrl())));
describeStoreConformance(
  'RedisStore, ioredis 6 (RESP3, replyMapping resp3)',
  overClients(() => new Redis6(redisUrl(), { protocol: 3, replyMapping: 'resp3' })),
);
describeStoreConformance('RedisStore, ioredis 6 (protocol: 2)', overClients(() => new Redis6(redisUrl(), { protocol: 2 })));
describeStoreConformance('RedisStore, ioredis 5 Cluster', overClients(() => new Cluster5(clusterNodes())));
describeStoreConformance('RedisStore, ioredis 6 Cluster', overClients(() => new Cluster6(clusterNodes())));
describeStoreConformance('RedisStore from { url }, owning its client', async () => {
  const open = () => new RedisStore({ url: redisUrl() });
  const store = open();
  return { store, reopen: async () => open(), close: () => store.close() };
});

const MINUTE = 60_000;

describe('RedisStore test servers', () => {
  it.each([
    { label: 'ioredis 5', resp: 2, make: () => new Redis5(redisUrl()) },
    { label: 'ioredis 6', resp: 3, make: () => new Redis6(redisUrl()) },
    { label: 'ioredis 6 with protocol: 2', resp: 2, make: () => new Redis6(redisUrl(), { protocol: 2 }) },
  ])('$label speaks RESP$resp, so both protocols are really covered', async ({ resp, make }) => {
    const client = make();
    try {
      expect(String(await client.client('INFO'))).toMatch(new RegExp(`\\bresp=${resp}\\b`));
    } finally {
      await client.quit();
    }
  });
});

describe.each([
  ['ioredis 5', (name?: string) => new Redis5(redisUrl(), { connectionName: name })],
  ['ioredis 6', (name?: string) => new Redis6(redisUrl(), { connectionName: name })],
] as const)('RedisStore specifics over %s', (_label, makeClient) => {
  let client: Redis5 | Redis6;
  let monitored: Redis5;
  let monitor: Redis5;
  let store: RedisStore;
  let prefixed: RedisStore;

  beforeAll(async () => {
    client = makeClient();
    store = new RedisStore({ client: handIn(client) });
    prefixed = new RedisStore({ client: handIn(client), prefix: `spec:${randomUUID()}:` });
    monitored = new Redis5(redisUrl());
    monitor = await monitored.monitor();
  });
  afterAll(async () => {
    monitor.disconnect();
    await monitored.quit();
    await store.close();
    await prefixed.close();
    await client.quit();
  });

  /** The commands `by` (the shared client) sent while `action` ran, seen through MONITOR (script-internal calls excluded). */
  async function commandsSentBy(action: () => Promise<unknown>, by: Redis5 | Redis6 = client): Promise<string[]> {
    const addr = /\baddr=(\S+)/.exec(String(await by.client('INFO')))![1];
    const [start, end] = [`start-${randomUUID()}`, `end-${randomUUID()}`];
    const seen: string[] = [];
    let recording = false;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const listener = (_time: string, args: string[], source: string) => {
      if (source !== addr) return;
      if (args[0]?.toLowerCase() === 'echo' && args[1] === start) recording = true;
      else if (args[0]?.toLowerCase() === 'echo' && args[1] === end) finished();
      else if (recording) seen.push(args[0]!.toLowerCase());
    };
    monitor.on('monitor', listener);
    try {
      await by.echo(start);
      await action();
      await by.echo(end);
      await done;
    } finally {
      monitor.off('monitor', listener);
    }
    return seen;
  }

  it("keys are prefix + id (default 'sess:') and carry a native TTL no longer than ttlMs", async () => {
    const id = newId();
    await store.set(id, record(), { ttlMs: 5 * MINUTE });
    const pttl = await client.pttl(`sess:${id}`);
    expect(pttl).toBeGreaterThan(4 * MINUTE);
    expect(pttl).toBeLessThanOrEqual(5 * MINUTE);

    const other = newId();
    await prefixed.set(other, record(), { ttlMs: MINUTE });
    await expect(client.exists(`sess:${other}`)).resolves.toBe(0);
    await expect(store.get(other)).resolves.toBeUndefined();
    await expect(prefixed.get(other)).resolves.toBeDefined();
  });

  it('touch moves the native TTL to the new expiresAt and keeps every byte of the data', async () => {
    const id = newId();
    const data = {
      empty: [], nested: { none: {}, expiresAt: 1 }, precise: 0.1 + 0.2, tiny: 1e-7, big: Number.MAX_SAFE_INTEGER,
      tricky: '{"version":1,"expiresAt":5,', unicode: 'zoë 😀 "\\/',
    };
    const saved = record({ data, version: 12 });
    await store.set(id, saved, { ttlMs: MINUTE });
    const later = Date.now() + 10 * MINUTE;
    await store.touch(id, later);
    await expect(store.get(id)).resolves.toEqual({ ...saved, expiresAt: later });
    expect(await client.pttl(`sess:${id}`)).toBeGreaterThan(9 * MINUTE);
  });

  it('touch to a deadline already past lets the record die at once', async () => {
    const id = newId();
    await store.set(id, record(), { ttlMs: MINUTE });
    await store.touch(id, Date.now() - 1_000);
    await sleep(20);
    await expect(client.exists(`sess:${id}`)).resolves.toBe(0);
  });

  it('a CAS write to a destroyed key resolves false and does not recreate the key', async () => {
    const id = newId();
    await store.set(id, record(), { ttlMs: MINUTE });
    await store.destroy(id);
    await expect(store.set(id, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 })).resolves.toBe(false);
    await expect(client.exists(`sess:${id}`)).resolves.toBe(0);
  });

  it('touch on a missing key does not create it', async () => {
    const id = newId();
    await store.touch(id, Date.now() + MINUTE);
    await expect(client.exists(`sess:${id}`)).resolves.toBe(0);
  });

  it('corrupt values, and records not in its own field order, read as missing; CAS and touch leave them alone', async () => {
    for (const raw of ['not json', '{"data":{}}', '[1,2]', '{"data":{},"flash":{},"createdAt":1,"expiresAt":2,"version":1}']) {
      const id = newId();
      await client.set(`sess:${id}`, raw, 'PX', MINUTE);
      await expect(store.get(id)).resolves.toBeUndefined();
      await expect(store.set(id, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 })).resolves.toBe(false);
      await store.touch(id, Date.now() + 10 * MINUTE);
      await expect(client.get(`sess:${id}`)).resolves.toBe(raw);
    }
  });

  it('ids that are not ours never reach Redis: get undefined, set false, destroy and touch no-ops', async () => {
    const sent = await commandsSentBy(async () => {
      for (const id of ['', '../../etc/passwd', `${'a'.repeat(42)}*`, 'a'.repeat(44), '*']) {
        await expect(store.get(id)).resolves.toBeUndefined();
        await expect(store.set(id, record(), { ttlMs: MINUTE })).resolves.toBe(false);
        await expect(store.destroy(id)).resolves.toBe(true);
        await expect(store.touch(id, Date.now() + MINUTE)).resolves.toBeUndefined();
      }
    });
    expect(sent).toEqual([]);
  });

  it('one command per operation: GET, SET, EVALSHA for CAS, EVALSHA for touch, DEL', async () => {
    const id = newId();
    await store.set(id, record(), { ttlMs: MINUTE });
    await store.set(id, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 });
    await store.touch(id, Date.now() + MINUTE);

    expect(await commandsSentBy(() => store.get(id))).toEqual(['get']);
    expect(await commandsSentBy(() => store.set(id, record({ version: 1 }), { ttlMs: MINUTE }))).toEqual(['set']);
    expect(await commandsSentBy(() => store.set(id, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 }))).toEqual([
      'evalsha',
    ]);
    expect(await commandsSentBy(() => store.set(id, record({ version: 9 }), { ttlMs: MINUTE, ifVersion: 1 }))).toEqual([
      'evalsha',
    ]);
    expect(await commandsSentBy(() => store.touch(id, Date.now() + MINUTE))).toEqual(['evalsha']);
    expect(await commandsSentBy(() => store.destroy(id))).toEqual(['del']);
  });

  it("a client's first compare-and-set and touch send their scripts whole, one command each; later ones only the SHA", async () => {
    const fresh = makeClient();
    try {
      const own = new RedisStore({ client: handIn(fresh) });
      const id = newId();
      await own.set(id, record(), { ttlMs: MINUTE });
      const first = await commandsSentBy(async () => {
        await own.set(id, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 });
        await own.touch(id, Date.now() + MINUTE);
      }, fresh);
      const later = await commandsSentBy(async () => {
        await own.set(id, record({ version: 3 }), { ttlMs: MINUTE, ifVersion: 2 });
        await own.touch(id, Date.now() + MINUTE);
      }, fresh);
      expect([first, later]).toEqual([
        ['eval', 'eval'],
        ['evalsha', 'evalsha'],
      ]);
      expect((await own.get(id))?.version).toBe(3);
    } finally {
      await fresh.quit();
    }
  });

  it('commands issued in one turn of the event loop (sent in one socket write) run in the order issued', async () => {
    const id = newId();
    await store.set(id, record(), { ttlMs: MINUTE });
    const [before, written, after, stale] = await Promise.all([
      store.get(id),
      store.set(id, record({ version: 2, data: { step: 2 } }), { ttlMs: MINUTE, ifVersion: 1 }),
      store.get(id),
      store.set(id, record({ version: 2, data: { step: 'late' } }), { ttlMs: MINUTE, ifVersion: 1 }),
    ]);
    expect([before?.version, written, after?.data, stale]).toEqual([1, true, { step: 2 }, false]);
  });

  it('a lone command is sent at the end of its turn, not held back for more traffic', async () => {
    const id = newId();
    await store.set(id, record(), { ttlMs: MINUTE });
    const started = performance.now();
    expect((await store.get(id))?.version).toBe(1);
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('survives SCRIPT FLUSH: a NOSCRIPT answer sends the script whole again', async () => {
    const id = newId();
    await store.set(id, record(), { ttlMs: MINUTE });
    await client.script('FLUSH');
    await expect(store.set(id, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 })).resolves.toBe(true);
    await client.script('FLUSH');
    const later = Date.now() + 5 * MINUTE;
    await store.touch(id, later);
    expect(await store.get(id)).toMatchObject({ version: 2, expiresAt: later });
  });

  it('close() leaves a handed-in client open', async () => {
    const own = makeClient();
    const handedIn = new RedisStore({ client: handIn(own) });
    await handedIn.get(newId());
    await handedIn.close();
    expect(own.status).toBe('ready');
    await expect(own.ping()).resolves.toBe('PONG');
    await own.quit();
  });

});

describe('RedisStore that owns its client', () => {
  let admin: Redis5;
  beforeAll(() => {
    admin = new Redis5(redisUrl());
  });
  afterAll(() => admin.quit());

  const connectedAs = async (name: string) => String(await admin.client('LIST')).includes(` name=${name} `);

  it.each([
    ['{ url }', (name: string) => new RedisStore({ url: redisUrl(), connection: { connectionName: name } })],
    ['{ connection }', (name: string) => new RedisStore({ connection: { ...portAndHost(), connectionName: name } })],
  ])('built from %s, connects on first use and quits its client on close()', async (_label, build) => {
    const name = `owned-${randomUUID()}`;
    const store = build(name);
    expect(await connectedAs(name)).toBe(false);
    const id = newId();
    await store.set(id, record(), { ttlMs: MINUTE });
    await expect(store.get(id)).resolves.toEqual(record({ createdAt: expect.any(Number), expiresAt: expect.any(Number) }));
    expect(await connectedAs(name)).toBe(true);
    await store.close();
    for (let i = 0; i < 50 && (await connectedAs(name)); i++) await sleep(20);
    expect(await connectedAs(name)).toBe(false);
    await expect(store.get(id)).rejects.toThrow(SessionError);
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('close() before any use opens nothing', async () => {
    const store = new RedisStore({ url: redisUrl() });
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('refuses options without a connection, a non-string url or prefix, with a message that says how', () => {
    expect(() => new RedisStore({} as never)).toThrow(SessionConfigError);
    expect(() => new RedisStore({} as never)).toThrow(/\{ client: new Redis\(\) \}/);
    expect(() => new RedisStore({ url: 6379 } as never)).toThrow(/url must be a string/);
    expect(() => new RedisStore({ url: redisUrl(), prefix: 1 } as never)).toThrow(/prefix must be a string/);
  });
});

describe.each([
  ['ioredis 5', () => new Cluster5(clusterNodes())],
  ['ioredis 6', () => new Cluster6(clusterNodes())],
] as const)('RedisStore over a %s Cluster', (_label, makeCluster) => {
  it('spreads sessions over the masters, and CAS and touch follow each key to its slot', async () => {
    const cluster = makeCluster();
    const store = new RedisStore({ client: handIn(cluster) });
    try {
      const ids = Array.from({ length: 24 }, () => newId());
      for (const id of ids) {
        await store.set(id, record(), { ttlMs: MINUTE });
        await expect(store.set(id, record({ version: 2 }), { ttlMs: MINUTE, ifVersion: 1 })).resolves.toBe(true);
        await store.touch(id, Date.now() + 2 * MINUTE);
      }
      const slots = await cluster.cluster('SLOTS');
      const holders = new Set<number>();
      for (const id of ids) {
        const slot = Number(await cluster.cluster('KEYSLOT', `sess:${id}`));
        const port = slots.find(([from, to]) => from <= slot && slot <= to)![2]![1];
        const node = cluster.nodes('master').find((master) => master.options.port === port)!;
        await expect(node.exists(`sess:${id}`)).resolves.toBe(1);
        holders.add(port);
      }
      expect(holders.size).toBeGreaterThanOrEqual(2);
      for (const id of ids) expect(await store.get(id)).toMatchObject({ version: 2 });
    } finally {
      await store.close();
      await cluster.quit();
    }
  });
});

function portAndHost(): { host: string; port: number } {
  const url = new URL(redisUrl());
  return { host: url.hostname, port: Number(url.port) };
}
