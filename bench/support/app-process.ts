import { fork, type ChildProcess } from 'node:child_process';
import type { ChildMessage, ParentMessage } from './ipc.js';
import { freePort, HOST } from './free-port.js';

export interface AppStats {
  counters: Record<string, number>;
  rss: number;
  cpuMicros: number;
}

export interface AppProcess {
  readonly url: string;
  readonly pid: number;
  stats(): Promise<AppStats>;
  /** Starts the app's CPU profiler; `stopProfile(file)` writes what it sampled since. */
  startProfile(): Promise<void>;
  stopProfile(file: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Absolute path of the compiled app entry (.bench-dist/bench/apps/<family>.js). */
  entry: string;
  env: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  execArgv?: string[];
  startTimeoutMs?: number;
}

/**
 * Between its slices an app sits idle while the others are measured, up to a
 * minute in a full run. V8's memory reducer takes such a pause for the end of
 * the load and shrinks the heap, so each slice would start with a small young
 * generation that has to grow again, and apps that allocate more would pay
 * more for it. With six Express variants taking turns, the reducer on cost
 * 9-34 % more CPU per request than off (bare 453 against 415 us, nest-sessions'
 * memory read 548 against 420). A server under steady load never triggers
 * it, and steady state is what is measured.
 */
const STEADY_STATE_FLAGS = ['--no-memory-reducer'];

/**
 * Forks one bench app as its own Node process (so it never shares a CPU
 * thread or heap with the load generator), on a free loopback port passed as
 * PORT, and waits for it to report that it listens.
 */
export async function startAppProcess(options: StartOptions): Promise<AppProcess> {
  const port = await freePort();
  const child = fork(options.entry, [], {
    env: { ...process.env, ...options.env, PORT: String(port), NODE_ENV: 'production' },
    execArgv: [...STEADY_STATE_FLAGS, ...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => (dead = true));

  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.entry} did not start within ${options.startTimeoutMs ?? 20_000} ms`)), options.startTimeoutMs ?? 20_000);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.entry} exited with code ${code} before it was ready`));
    });
  });

  const stop = async () => {
    if (dead) return;
    child.kill('SIGTERM'); // only the process we forked, by its handle
    const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    const listening = await ready;
    return {
      url: `http://${HOST}:${listening}`,
      pid: child.pid!,
      stats: async () => {
        const reply = await ask(child, { type: 'stats' }, 'stats');
        return { counters: reply.counters, rss: reply.rss, cpuMicros: reply.cpuMicros };
      },
      startProfile: async () => void (await ask(child, { type: 'profile-start' }, 'profile-started')),
      stopProfile: async (file) => void (await ask(child, { type: 'profile-stop', file }, 'profile-saved')),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Sends one message and resolves the first reply of the expected type. */
function ask<T extends ChildMessage['type']>(child: ChildProcess, message: ParentMessage, reply: T): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The app did not answer "${message.type}" within 30 s`)), 30_000);
    const onMessage = (answer: ChildMessage) => {
      if (answer.type !== reply) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(answer as Extract<ChildMessage, { type: T }>);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}
