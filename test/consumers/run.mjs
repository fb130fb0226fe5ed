#!/usr/bin/env node
// Consumer checks: build and pack nest-sessions, then install the tarball into
// apps shaped as `nest new` makes them (test/consumers/*/) and check that each
// type-checks, builds, starts and keeps a session, and that its own generated
// tests pass. See test/consumers/README.md.
//
//   node test/consumers/run.mjs [--only <app>] [--keep] [--no-build] [--verbose]
//
// Skipped (exit 0) when NEST_SESSIONS_SKIP_CONSUMERS=1; .ci/run unsets it.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('./', import.meta.url));
const SECRET = 'consumer-check-secret-at-least-32-characters';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const verbose = flag('--verbose');

if (process.env.NEST_SESSIONS_SKIP_CONSUMERS === '1') {
  console.log('[consumers] skipped: NEST_SESSIONS_SKIP_CONSUMERS=1 (CI runs them; unset it to run them here)');
  process.exit(0);
}

/** The package's entry points; `testing` is checked only once the build has it. */
const ENTRY_POINTS = ['nest-sessions', 'nest-sessions/redis', 'nest-sessions/typeorm', 'nest-sessions/testing'];

/**
 * Each app: the directory under test/consumers/ and its checks, in order.
 * `required` checks stop that app's run when they fail (nothing after them can pass).
 */
const APPS = {
  'nest11-cjs-express': (ctx) => [
    { title: 'tsc with the generated tsconfig.json (module nodenext, CommonJS output)', run: () => ctx.bin('tsc', ['-p', 'tsconfig.json', '--noEmit']) },
    { title: 'tsc with the CLI 10 tsconfig ("module": "commonjs", no moduleResolution: node10)', run: () => ctx.bin('tsc', ['-p', 'tsconfig.commonjs.json', '--noEmit']) },
    { title: 'require() of every entry point', run: () => ctx.node(['-e', requireEveryEntryPoint(ctx.entryPoints)]) },
    { title: 'import() of every entry point', run: () => ctx.node(['--input-type=module', '-e', importEveryEntryPoint(ctx.entryPoints)]) },
    { title: 'npm run build (nest build, generated tsconfig.build.json)', required: true, run: () => ctx.npm(['run', 'build']) },
    { title: 'node dist/main: a session round trip with a cookie and a flash', run: () => roundTrip(ctx) },
    { title: 'nest build -p tsconfig.commonjs.build.json (the CLI 10 tsconfig)', required: true, run: () => ctx.bin('nest', ['build', '-p', 'tsconfig.commonjs.build.json']) },
    { title: 'node dist/main (CLI 10 tsconfig build): the same round trip', run: () => roundTrip(ctx) },
    { title: 'npm test (the generated Jest setup: ts-jest, CommonJS)', run: () => ctx.npm(['test']) },
    { title: 'npm run test:e2e (Jest + supertest, session round trip)', run: () => ctx.npm(['run', 'test:e2e']) },
    { title: 'test:e2e with ts-jest on the CLI 10 tsconfig', run: () => ctx.bin('jest', ['--config', jestE2eWithTsconfig(ctx.dir, 'tsconfig.commonjs.json')]) },
    { title: 'both builds in one process share their state (dual-package hazard)', run: () => ctx.node(['dual-package.mjs']) },
  ],
  'nest12-esm-fastify': (ctx) => [
    { title: 'tsc with the generated tsconfig.json (module nodenext, ESM)', run: () => ctx.bin('tsc', ['-p', 'tsconfig.json', '--noEmit']) },
    { title: 'import() of every entry point', run: () => ctx.node(['-e', importEveryEntryPoint(ctx.entryPoints)]) },
    { title: 'require() of every entry point', run: () => ctx.node(['--input-type=commonjs', '-e', requireEveryEntryPoint(ctx.entryPoints)]) },
    { title: 'npm run build (nest build)', required: true, run: () => ctx.npm(['run', 'build']) },
    { title: 'node dist/main: a session round trip with a cookie and a flash', run: () => roundTrip(ctx) },
    { title: 'npm test (the generated Vitest setup)', run: () => ctx.npm(['test']) },
    { title: 'npm run test:e2e (Vitest + supertest on Fastify, session round trip)', run: () => ctx.npm(['run', 'test:e2e']) },
    { title: 'both builds in one process share their state (dual-package hazard)', run: () => ctx.node(['dual-package.mjs']) },
  ],
};

const failures = [];
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'nest-sessions-consumers-'));
console.log(`[consumers] working in ${work}`);

try {
  await main();
} catch (error) {
  if (!error.counted) failures.push(error.message);
  console.error(`[consumers] stopped: ${error.message}`);
}
const seconds = ((Date.now() - started) / 1000).toFixed(0);
if (failures.length) {
  console.error(`\n[consumers] FAILED (${failures.length}) after ${seconds}s:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  console.error(`[consumers] the apps stay in ${work}`);
  process.exit(1);
}
console.log(`\n[consumers] all checks passed in ${seconds}s`);
if (flag('--keep')) console.log(`[consumers] kept ${work}`);
else rmSync(work, { recursive: true, force: true });

async function main() {
  if (!flag('--no-build')) await check('npm run build (ESM and CommonJS builds)', () => exec('npm', ['run', 'build'], { cwd: ROOT }), { required: true });
  const tarball = await pack();
  const files = await listTarball(tarball);
  const entryPoints = ENTRY_POINTS.filter((entry) => {
    const name = entry === 'nest-sessions' ? 'index' : entry.slice('nest-sessions/'.length);
    const present = files.includes(`package/dist/esm/lib/${name}.js`);
    if (!present) console.log(`[consumers] note: ${entry} is not in the package yet (no lib/${name}.ts): not checked`);
    return present;
  });
  await check('package layout: both builds, their package.json markers, every entry point with its types', () => checkLayout(files, entryPoints));
  await check('@arethetypeswrong/cli: types of every entry point under node10, node16 (CJS and ESM) and bundler', () => {
    const excluded = ENTRY_POINTS.filter((e) => !entryPoints.includes(e)).map((e) => `.${e.slice('nest-sessions'.length)}`);
    return exec(join(ROOT, 'node_modules/.bin/attw'), [tarball, '--format', 'table-flipped', ...(excluded.length ? ['--exclude-entrypoints', ...excluded] : [])], { cwd: work });
  });

  const only = option('--only');
  for (const [name, checks] of Object.entries(APPS)) {
    if (only && only !== name) continue;
    console.log(`\n[consumers] ${name}`);
    const dir = join(work, name);
    cpSync(join(HERE, name), dir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist|coverage)$/.test(src) });
    cpSync(join(HERE, 'dual-package.mjs'), join(dir, 'dual-package.mjs'));
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    manifest.dependencies['nest-sessions'] = `file:${tarball}`;
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
    const ctx = {
      name,
      dir,
      entryPoints,
      npm: (argv) => exec('npm', argv, { cwd: dir }),
      bin: (tool, argv) => exec(join(dir, 'node_modules/.bin', tool), argv, { cwd: dir }),
      node: (argv) => exec(process.execPath, argv, { cwd: dir }),
    };
    const installed = await check(`${name}: npm install (its package.json from the registry, nest-sessions from the tarball)`, () =>
      exec('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir }),
    );
    if (!installed) continue;
    for (const step of checks(ctx)) {
      const ok = await check(`${name}: ${step.title}`, step.run);
      if (!ok && step.required) {
        console.log(`[consumers] ${name}: skipping the rest of its checks`);
        break;
      }
    }
  }
}

/** Runs one check, prints its outcome and timing; a failure is recorded, not thrown. */
async function check(title, run, { required = false } = {}) {
  const t0 = Date.now();
  console.log(`▶ ${title}`);
  try {
    const output = await run();
    if (typeof output === 'string' && output.trim() && (verbose || output.trim().split('\n').length <= 6)) console.log(indent(output));
    console.log(`  ✔ ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    return true;
  } catch (error) {
    console.log(`  ✘ ${((Date.now() - t0) / 1000).toFixed(1)}s: ${error.message}`);
    if (error.output) console.log(indent(tail(error.output, 80)));
    failures.push(title);
    if (required) throw Object.assign(new Error(`${title} failed`), { counted: true });
    return false;
  }
}

async function pack() {
  const out = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT });
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('[')));
  const tarball = join(work, filename);
  console.log(`[consumers] packed ${tarball}`);
  return tarball;
}

async function listTarball(tarball) {
  return (await exec('tar', ['-tzf', tarball], { cwd: work })).split('\n').filter(Boolean);
}

function checkLayout(files, entryPoints) {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const must = ['package/dist/cjs/package.json', 'package/dist/esm/package.json'];
  const problems = [];
  for (const entry of entryPoints) {
    const key = entry === 'nest-sessions' ? '.' : `./${entry.slice('nest-sessions/'.length)}`;
    const conditions = manifest.exports?.[key];
    if (!conditions) {
      problems.push(`exports has no "${key}"`);
      continue;
    }
    for (const condition of ['types', 'import', 'require', 'default']) if (!(condition in conditions)) problems.push(`exports["${key}"] lacks "${condition}"`);
    const targets = JSON.stringify(conditions).match(/"\.\/[^"]+"/g) ?? [];
    for (const target of targets) must.push(`package/${target.slice(3, -1)}`);
    if (key !== '.' && !manifest.typesVersions?.['*']?.[key.slice(2)]) problems.push(`typesVersions has no "${key.slice(2)}" (node10 resolution)`);
  }
  for (const file of new Set(must)) if (!files.includes(file)) problems.push(`the package lacks ${file.slice('package/'.length)}`);
  const markers = { cjs: 'commonjs', esm: 'module' };
  for (const [dir, type] of Object.entries(markers)) {
    const marker = join(ROOT, 'dist', dir, 'package.json');
    if (existsSync(marker) && JSON.parse(readFileSync(marker, 'utf8')).type !== type) problems.push(`dist/${dir}/package.json is not {"type": "${type}"}`);
  }
  if (problems.length) throw Object.assign(new Error('package layout'), { output: problems.join('\n') });
  return `${files.length} files`;
}

function requireEveryEntryPoint(entries) {
  return `for (const m of ${JSON.stringify(entries)}) { const x = require(m); if (!Object.keys(x).length) throw new Error(m + ' exports nothing'); console.log(m, Object.keys(x).length, 'exports'); }`;
}

function importEveryEntryPoint(entries) {
  return `for (const m of ${JSON.stringify(entries)}) { const x = await import(m); if (!Object.keys(x).length) throw new Error(m + ' exports nothing'); console.log(m, Object.keys(x).length, 'exports'); }`;
}

/** test/jest-e2e.json as the app has it, with ts-jest told to use another tsconfig (Jest takes a config as JSON text). */
function jestE2eWithTsconfig(dir, tsconfig) {
  const config = JSON.parse(readFileSync(join(dir, 'test/jest-e2e.json'), 'utf8'));
  config.rootDir = join(dir, 'test');
  config.transform = Object.fromEntries(Object.keys(config.transform).map((pattern) => [pattern, ['ts-jest', { tsconfig: join(dir, tsconfig) }]]));
  return JSON.stringify(config);
}

/** Starts `node dist/main` on a free loopback port and visits /visit twice with the cookie it set. */
async function roundTrip(ctx) {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main'], {
    cwd: ctx.dir,
    env: { ...childEnv(), PORT: String(port), HOST: '127.0.0.1', SESSION_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let dead = false;
  exited.then(() => (dead = true));
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (dead) throw new Error('the app exited before it answered');
      const answer = await fetch(`${base}/`).catch(() => undefined);
      if (answer?.ok && (await answer.text()) === 'Hello World!') break;
      if (Date.now() > deadline) throw new Error(`no answer on ${base}/ within 30s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const first = await fetch(`${base}/visit`);
    const firstBody = await first.json();
    const cookies = first.headers.getSetCookie().map((line) => line.split(';')[0]);
    expectEqual('first visit', firstBody, { visits: 1, notice: null });
    if (!cookies.length) throw new Error('the first visit set no cookie');
    const second = await fetch(`${base}/visit`, { headers: { cookie: cookies.join('; ') } });
    expectEqual('second visit (cookie sent back)', await second.json(), { visits: 2, notice: 'hi' });
    if (second.headers.get('vary')?.toLowerCase().includes('cookie') !== true) throw new Error('the second visit has no Vary: Cookie');
    return `first: ${JSON.stringify(firstBody)}; cookie ${cookies.map((c) => c.split('=')[0]).join(', ')}; second: visits 2, notice "hi"`;
  } catch (error) {
    throw Object.assign(error, { output: log });
  } finally {
    if (!dead) {
      child.kill('SIGTERM'); // the app we started, by its handle
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  }
}

function expectEqual(what, actual, expected) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * The environment for commands run in an app: without what `npm run` in this
 * repository set about this repository (npm_config_local_prefix would point npm
 * at it instead of the app; npm_package_*, npm_lifecycle_*; NODE_OPTIONS of the
 * library's own Jest). Other npm_config_* (registry, cache, CA) stay.
 */
function childEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|command$|execpath$|node_execpath$|config_local_prefix$)/i.test(key)) continue;
    if (key === 'NODE_OPTIONS' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  env.CI ??= 'true'; // tools then print plainly (no watch mode, no prompts)
  return env;
}

/** Runs a command to completion; resolves its output, rejects with it (error.output) on a non-zero exit. */
function exec(command, argv, { cwd }) {
  return new Promise((resolve, reject) => {
    console.log(`  $ ${describeCommand(command, argv)}${verbose ? `   (in ${cwd})` : ''}`);
    const child = spawn(command, argv, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', (error) => reject(Object.assign(error, { output })));
    child.once('close', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(Object.assign(new Error(`${[command, ...argv].join(' ').slice(0, 200)} exited with ${code ?? signal}`), { output }));
    });
  });
}

/** A command as a reader would type it: tools by name, long inline scripts and JSON configs shortened. */
function describeCommand(command, argv) {
  const name = command === process.execPath ? 'node' : command.includes('node_modules/.bin/') ? command.split('/').pop() : command;
  const shown = argv.map((arg) => (arg.length > 60 ? `'${arg.slice(0, 40)}…'` : /[\s"'{}]/.test(arg) ? `'${arg}'` : arg));
  return [name, ...shown].join(' ');
}

function tail(text, lines) {
  const all = String(text).trimEnd().split('\n');
  return (all.length > lines ? [`… (${all.length - lines} lines above)`] : []).concat(all.slice(-lines)).join('\n');
}

function indent(text) {
  return String(text)
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
