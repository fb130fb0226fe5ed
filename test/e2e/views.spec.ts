import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { SessionModule } from '../../lib/index.js';
import { Browser } from '../support/browser.js';
import { SECRET } from '../support/constants.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from '../support/platforms.js';
import { ViewsController } from './fixtures/views.controller.js';

const VIEWS = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'views');

/** Handlebars on both platforms: hbs through Express's res.render, @fastify/view on Fastify. */
async function useHandlebars(platform: Platform, app: INestApplication): Promise<void> {
  const handlebars = (await import('handlebars')).default;
  if (platform === 'express') {
    const express = app as INestApplication & { setBaseViewsDir(dir: string): void; setViewEngine(engine: string): void };
    express.setBaseViewsDir(VIEWS);
    express.setViewEngine('hbs');
  } else {
    (app as INestApplication & { setViewEngine(options: object): void }).setViewEngine({ engine: { handlebars }, templates: VIEWS });
  }
}

describe.each(PLATFORMS)('@Render views on %s', (platform) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(
      platform,
      { imports: [SessionModule.forRoot({ secret: SECRET })], controllers: [ViewsController] },
      (app) => useHandlebars(platform, app),
    );
  });
  afterAll(() => running.close());

  it('see the session and the flash, and the flash is gone on reload', async () => {
    const browser = new Browser(running.url);
    const redirect = await browser.post('/views/sign-in');
    expect(redirect.status).toBe(303);
    const page = await browser.get('/views/page');
    expect(page.text).toContain('<p class="flash">Welcome, Ada</p>');
    expect(page.text).toContain('<p class="user">Ada</p>');
    expect(page.text).toContain('<p class="title">Dashboard</p>');
    expect(page.text).toContain('<li>success</li>');
    const reload = await browser.get('/views/page');
    expect(reload.text).not.toContain('class="flash"');
    expect(reload.text).toContain('<p class="user">Ada</p>');
  });
});
