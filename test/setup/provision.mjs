#!/usr/bin/env node
// Plain ESM JavaScript, like services.mjs: it runs before anything is installed
// or built (`npm test` calls it first, .ci/run before `npm ci`), and from Jest's
// global setup through Node's own loader.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's chromium package; the sample's browser test (test/sample/browser.spec.ts) launches exactly this one. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * What the suites run on this machine, how to tell it is here, and the Debian
 * packages that bring it.
 */
const NEEDS = [
  { what: 'redis-server', present: () => onPath('redis-server'), packages: ['redis-server', 'redis-tools'] },
  { what: 'PostgreSQL (initdb, pg_ctl)', present: () => Boolean(findPostgresBin()), packages: ['postgresql'] },
  { what: `Chromium (${CHROMIUM})`, present: () => existsSync(CHROMIUM), packages: ['chromium'] },
];

/**
 * Makes sure redis-server, PostgreSQL and Chromium are installed before any
 * suite runs. What is missing is installed with apt-get when this runs as
 * root on Debian or Ubuntu (printing each command); otherwise it throws at
 * once with the one command that installs it.
 * NEST_SESSIONS_PROVISION=off skips all of this (suites then fail on, or skip,
 * what is missing).
 */
export async function provision({ log = (line) => console.log(`[test setup] ${line}`) } = {}) {
  if (process.env.NEST_SESSIONS_PROVISION === 'off') return;
  const missing = NEEDS.filter((need) => !need.present());
  if (missing.length === 0) return;
  const names = missing.map((need) => need.what).join(', ');
  const packages = missing.flatMap((need) => need.packages);
  const apt = findOnPath('apt-get');
  const isRoot = process.getuid?.() === 0;
  if (!apt || !isRoot) throw new ProvisionError(`Missing ${names}.`, fixCommand(packages, { apt: Boolean(apt), isRoot }));

  log(`missing ${names}: installing with apt-get (running as root)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
  await run(log, apt, ['update', '-q', ...lockWait], env);
  const wanted = packages.map((name) => (name === 'postgresql' ? postgresPackage() : name));
  // Without recommends: chromium would bring a desktop's worth (printing, avahi, perl); the tests need none of it.
  await run(log, apt, ['install', '-y', '-q', '--no-install-recommends', ...lockWait, ...wanted], env);
  const still = NEEDS.filter((need) => !need.present());
  if (still.length) {
    throw new ProvisionError(`apt-get installed ${wanted.join(' ')} but ${still.map((n) => n.what).join(', ')} is still missing.`, fixCommand(packages, { apt: true, isRoot }));
  }
  log(`installed ${wanted.join(' ')}`);
}

/** An error whose message ends with the command that fixes it. */
export class ProvisionError extends Error {
  constructor(problem, fix) {
    super(`${problem}\n\n${fix}\n`);
    this.name = 'ProvisionError';
  }
}

function fixCommand(packages, { apt, isRoot }) {
  const list = [...new Set(packages)].join(' ');
  const also =
    'Only the service-free tests, without any of this: npm run test:unit\n' +
    'To run the suites with what is installed (those needing the rest fail or skip): NEST_SESSIONS_PROVISION=off npm test';
  if (apt) {
    const sudo = isRoot ? '' : 'sudo ';
    return `The tests start their own redis-server, Redis Cluster and PostgreSQL, and drive Chromium. Install them with:\n\n  ${sudo}apt-get update && ${sudo}apt-get install -y ${list}\n\n(or run \`npm test\` as root: it runs that itself)\n${also}`;
  }
  return (
    'The tests start their own redis-server, Redis Cluster and PostgreSQL, and drive Chromium; this machine has no apt-get, so install them with its package manager: ' +
    `redis-server on the PATH, PostgreSQL's initdb and pg_ctl (set PG_BIN to their directory), Chromium at ${CHROMIUM}.\n${also}`
  );
}

/** postgresql-15 where the archive has it (what CI and the README name), else the distribution's default version. */
function postgresPackage() {
  // A local lookup in apt's lists (a few milliseconds), after `apt-get update`.
  const probe = spawnSync('apt-cache', ['show', '--no-all-versions', 'postgresql-15'], { stdio: 'ignore' });
  return probe.status === 0 ? 'postgresql-15' : 'postgresql';
}

/** The directory holding PostgreSQL's initdb and pg_ctl: $PG_BIN, else the newest /usr/lib/postgresql/<version>/bin. */
export function findPostgresBin() {
  const candidates = [process.env.PG_BIN];
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(root, v, 'bin')));
  }
  return candidates.find((dir) => dir && isExecutable(join(dir, 'pg_ctl')) && isExecutable(join(dir, 'initdb')));
}

function onPath(command) {
  return Boolean(findOnPath(command));
}

function findOnPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs a command with its output going through (prefixed), rejecting with the command on failure. */
function run(log, command, args, env) {
  log(`$ ${command} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new ProvisionError(`\`${command} ${args.join(' ')}\` failed (${code ?? signal}).`, 'Fix the error above (network? another apt-get running?), then run npm test again.')),
    );
  });
}

// `node test/setup/provision.mjs`: the first step of `npm test` and of .ci/run.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = Date.now();
  provision()
    .then(() => {
      const seconds = (Date.now() - t0) / 1000;
      if (seconds > 1) console.log(`[test setup] machine ready in ${seconds.toFixed(0)}s`);
    })
    .catch((error) => {
      console.error(`\n[test setup] ${error instanceof ProvisionError ? error.message : error.stack}`);
      process.exit(1);
    });
}
