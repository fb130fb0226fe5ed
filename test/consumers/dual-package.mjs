// The dual-package hazard, checked: an app that loads both builds of
// nest-sessions in one process (its own code imports the package while a
// CommonJS dependency require()s it, or the reverse) must still have one copy
// of the package's state. run.mjs copies this file into each consumer app and
// runs it there with `node dual-package.mjs`, so packages resolve as the app's.
//
// Classes stay two (one per build): Nest injects by class, so an app must not
// inject `SessionManager` from one build into a module registered by the
// other. What is checked here is everything that is not a class: tokens and
// other exported values, the per-request state decorators read, and
// `instanceof` for the package's errors.
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { Controller, Get, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

const require = createRequire(import.meta.url);
const esm = await import('nest-sessions');
const cjs = require('nest-sessions');
const problems = [];

if (esm.SessionModule === cjs.SessionModule) {
  console.log('import and require() load the same build here: no second copy to check');
  process.exit(0);
}

// 1. Every exported value that is not a function (tokens, names) is the same value in both builds.
for (const key of Object.keys(esm)) {
  const value = esm[key];
  if (typeof value === 'function' || typeof value === 'undefined') continue;
  if (value !== cjs[key]) problems.push(`export ${key} differs between the builds (${String(value)} vs ${String(cjs[key])}): use Symbol.for / a string`);
}

// 2. An error from one build is `instanceof` the other build's classes.
for (const [from, to, names] of [[cjs, esm, 'CommonJS → ESM'], [esm, cjs, 'ESM → CommonJS']]) {
  const error = new from.SessionError('check');
  if (!(error instanceof to.SessionError)) problems.push(`${names}: a SessionError is not instanceof the other build's SessionError`);
}

// 3. An app whose SessionModule comes from one build while its controller's
//    decorators and injected SessionStore token come from the other.
for (const [moduleBuild, controllerBuild, label] of [[esm, cjs, 'module from ESM, controller from CommonJS'], [cjs, esm, 'module from CommonJS, controller from ESM']]) {
  try {
    await roundTrip(moduleBuild, controllerBuild);
    console.log(`round trip ok: ${label}`);
  } catch (error) {
    problems.push(`${label}: ${error.message.split('\n')[0]}`);
  }
}

if (problems.length) {
  console.error(`nest-sessions loaded as both builds does not share its state:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('both builds share their state');

async function roundTrip(moduleBuild, controllerBuild) {
  class VisitController {
    constructor(store) {
      this.store = store;
    }
    visit(session, flash) {
      if (typeof this.store?.get !== 'function') throw new Error('no store injected');
      const visits = session.increment('visits');
      const notice = flash.get('notice') ?? null;
      flash.set('notice', 'hi');
      return { visits, notice };
    }
  }
  // What TypeScript's decorators would do: @Controller() class, @Inject(SessionStore) store, @Get('visit') visit(@Session() s, @Flash() f).
  const proto = VisitController.prototype;
  controllerBuild.Session()(proto, 'visit', 0);
  controllerBuild.Flash()(proto, 'visit', 1);
  Get('visit')(proto, 'visit', Object.getOwnPropertyDescriptor(proto, 'visit'));
  Inject(controllerBuild.SessionStore)(VisitController, undefined, 0);
  Controller()(VisitController);

  class AppModule {}
  Module({
    imports: [moduleBuild.SessionModule.forRoot({ secret: 'dual-package-check-secret-of-32-characters', store: new moduleBuild.MemoryStore() })],
    controllers: [VisitController],
  })(AppModule);

  const options = { logger: false, abortOnError: false };
  const platform = await adapter();
  const app = await (platform ? NestFactory.create(AppModule, platform, options) : NestFactory.create(AppModule, options));
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address();
    const first = await fetch(`http://127.0.0.1:${port}/visit`);
    const body1 = await first.text();
    if (body1 !== JSON.stringify({ visits: 1, notice: null })) throw new Error(`first visit: ${first.status} ${body1}`);
    const cookie = first.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    const second = await fetch(`http://127.0.0.1:${port}/visit`, { headers: { cookie } });
    const body2 = await second.text();
    if (body2 !== JSON.stringify({ visits: 2, notice: 'hi' })) throw new Error(`second visit: ${second.status} ${body2}`);
  } finally {
    await app.close();
  }
}

/** The app's own platform: Fastify where it is installed, else Nest's default (Express). */
async function adapter() {
  try {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    return new FastifyAdapter();
  } catch {
    return undefined;
  }
}
