import { SessionModule } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { SessionController } from './fixtures/session.controller.js';

import { SECRET } from '../support/constants.js';

describe.each(PLATFORMS)('session data on %s', (platform) => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await startApp(platform, {
      imports: [SessionModule.forRoot({ secret: SECRET })],
      controllers: [SessionController],
    });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    browser = new Browser(running.url);
  });

  it('keeps a value set in one request for the next request', async () => {
    await browser.post('/set', { path: 'name', value: 'Ada' });
    expect((await browser.get('/get?path=name')).body.value).toBe('Ada');
  });

  it('reaches nested values through dot paths', async () => {
    await browser.post('/set', { path: 'user.profile.name', value: 'Grace' });
    await browser.post('/set', { path: 'user.id', value: 42 });
    expect((await browser.get('/get?path=user.profile.name')).body.value).toBe('Grace');
    expect((await browser.get('/all')).body).toEqual({ user: { id: 42, profile: { name: 'Grace' } } });
  });

  it('stores JSON values of every kind and returns them unchanged', async () => {
    const value = { list: [1, 'two', { three: 3 }], flag: false, nothing: null, zero: 0, text: 'ünïcødé ✓' };
    await browser.post('/set', { path: 'blob', value });
    expect((await browser.get('/get?path=blob')).body.value).toEqual(value);
  });

  it('deletes a value', async () => {
    await browser.post('/set', { path: 'a.b', value: 1 });
    await browser.post('/delete', { path: 'a.b' });
    const reply = await browser.get('/get?path=a.b');
    expect(reply.body).toMatchObject({ value: null, has: false });
  });

  it('pops a value: returns it once, then the default', async () => {
    await browser.post('/set', { path: 'token', value: 'abc' });
    expect((await browser.post('/pop', { path: 'token' })).body.value).toBe('abc');
    expect((await browser.post('/pop', { path: 'token' })).body.value).toBe('fallback');
  });

  it('pushes onto a list, creating it when absent', async () => {
    await browser.post('/push', { path: 'cart.items', values: ['apple'] });
    await browser.post('/push', { path: 'cart.items', values: ['pear', 'plum'] });
    expect((await browser.get('/get?path=cart.items')).body.value).toEqual(['apple', 'pear', 'plum']);
  });

  it('increments and decrements counters, starting from zero', async () => {
    expect((await browser.post('/increment', { path: 'visits' })).body.value).toBe(1);
    expect((await browser.post('/increment', { path: 'visits', by: 5 })).body.value).toBe(6);
    expect((await browser.post('/decrement', { path: 'visits', by: 2 })).body.value).toBe(4);
    expect((await browser.get('/get?path=visits')).body.value).toBe(4);
  });

  it('clears all data but keeps the session id', async () => {
    await browser.post('/set', { path: 'x', value: 1 });
    const before = (await browser.get('/facts')).body.id;
    await browser.post('/clear');
    expect((await browser.get('/all')).body).toEqual({});
    expect((await browser.get('/facts')).body.id).toBe(before);
  });

  it.each(['fn', 'bigint', 'symbol', 'cycle', 'date'])('refuses a non-JSON value (%s) with a TypeError naming the path', async (kind) => {
    const reply = await browser.post(`/set-bad?kind=${kind}`);
    expect(reply.body.thrown).toBe('TypeError');
    expect(reply.body.message).toContain(`bad.${kind}`);
  });

  it.each(['__proto__.polluted', 'a.constructor.prototype', 'prototype'])('refuses the prototype-polluting path %s', async (path) => {
    const reply = await browser.post(`/set-path?path=${encodeURIComponent(path)}`);
    expect(reply.body.thrown).toBe('TypeError');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('shows transient values to get/has for this request only, never storing them', async () => {
    await browser.post('/set', { path: 'shadowed', value: 'stored' });
    const reply = await browser.get('/transient');
    expect(reply.body).toMatchObject({ viaGet: 'Ada', viaHas: true, direct: 'Ada', shadowed: 'stored' });
    expect(reply.body.all).toEqual({ shadowed: 'stored' });
    expect((await browser.get('/get?path=user.name')).body.value).toBeNull();
  });

  it('reports id, isNew, createdAt and expiresAt', async () => {
    const first = (await browser.get('/facts')).body;
    expect(first.isNew).toBe(true);
    await browser.post('/set', { path: 'x', value: 1 });
    const second = (await browser.get('/facts')).body;
    expect(second.isNew).toBe(false);
    expect(second.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second.expiresAt - second.createdAt).toBeGreaterThan(60 * 60 * 1000);
  });

  it('keeps two browsers apart', async () => {
    const other = new Browser(running.url);
    await browser.post('/set', { path: 'owner', value: 'first' });
    await other.post('/set', { path: 'owner', value: 'second' });
    expect((await browser.get('/get?path=owner')).body.value).toBe('first');
    expect((await other.get('/get?path=owner')).body.value).toBe('second');
  });
});
