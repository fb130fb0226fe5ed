import { Body, Controller, Post } from '@nestjs/common';
import { MemoryStore, Session, SessionModule } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type RunningApp } from '../support/platforms.js';
import { SessionController } from './fixtures/session.controller.js';

@Controller('both')
class BothSessionsController {
  /** Counts a visit in the default session and stores `note` in the named one, in one request. */
  @Post()
  write(@Session() visits: Session<{ n: number }>, @Session('notes') notes: Session<{ note: string }>, @Body() body: { note: string }) {
    notes.set('note', body.note);
    return { n: visits.increment('n') };
  }
}

describe.each(PLATFORMS)('session size limit on %s', (platform) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, maxSize: 4096 })], controllers: [SessionController] });
  });
  afterAll(() => running.close());

  it('fails a request that grows the session past maxSize and keeps what was there', async () => {
    const browser = new Browser(running.url);
    await browser.post('/set', { path: 'small', value: 'kept' });
    const reply = await browser.post('/set', { path: 'big', value: 'é'.repeat(3000) });
    expect(reply.status).toBe(500);
    const after = await browser.get('/all');
    expect(after.body).toEqual({ small: 'kept' });
  });

  it('accepts a session just under the limit', async () => {
    const browser = new Browser(running.url);
    expect((await browser.post('/set', { path: 'big', value: 'x'.repeat(3500) })).status).toBe(200);
    expect(((await browser.get('/get?path=big')).body.value as string).length).toBe(3500);
  });
});

describe.each(PLATFORMS)('one request, two server-side sessions, one past its maxSize, on %s', (platform) => {
  const visits = new MemoryStore();
  const notes = new MemoryStore();
  let running: RunningApp;

  beforeAll(async () => {
    const sessions = { notes: { store: notes, cookie: { name: 'notes' }, maxSize: 1024 } };
    running = await startApp(platform, { imports: [SessionModule.forRoot({ secret: SECRET, store: visits, sessions })], controllers: [BothSessionsController] });
  });
  afterAll(() => running.close());

  it('answers 500 and saves neither: the other session of the same request is not written', async () => {
    const browser = new Browser(running.url);
    expect((await browser.post('/both', { note: 'short' })).status).toBe(201);
    const id = browser.cookies.get('sid')!.split('.')[0]!;
    const refused = await browser.post('/both', { note: 'x'.repeat(2000) });
    expect(refused.status).toBe(500);
    expect(refused.setCookies).toEqual([]);
    expect((await visits.get(id))?.data).toEqual({ n: 1 });
    expect((await browser.post('/both', { note: 'short again' })).body).toEqual({ n: 2 });
  });
});
