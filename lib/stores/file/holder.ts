import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isErrno } from './fs-helpers.js';

/**
 * Who made a lock or a temp file, written into its name (so judging it costs
 * no extra read): which machine, boot and pid namespace (`tag`), which process
 * (`pid`, and its start time in clock ticks on Linux, so a reused pid is told
 * apart), and when (`since`, epoch ms).
 */
export interface Holder {
  tag: string;
  pid: number;
  start: string;
  since: number;
}

const TOKEN = /^([0-9a-f]{10})-(\d+)-(\d+)-([0-9a-z]+)-[0-9a-f]{8}$/;

let self: { tag: string; start: string } | undefined;

/** This process, read once: /proc where there is one, else the host name alone (and liveness by pid only). */
function whoAmI(): { tag: string; start: string } {
  if (self) return self;
  const orEmpty = (read: () => string) => {
    try {
      return read().trim();
    } catch {
      return '';
    }
  };
  const boot = orEmpty(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const pidNamespace = orEmpty(() => readlinkSync('/proc/self/ns/pid'));
  const tag = createHash('sha256').update(`${hostname()}\0${boot}\0${pidNamespace}`).digest('hex').slice(0, 10);
  return (self = { tag, start: orEmpty(() => startTicks(readFileSync('/proc/self/stat', 'utf8'))) || '0' });
}

/** A fresh, unique token naming this process as the holder from now on. */
export function newToken(): string {
  const { tag, start } = whoAmI();
  return `${tag}-${process.pid}-${start}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** The holder a token names, or undefined for a name this store did not make. */
export function parseToken(token: string): Holder | undefined {
  const match = TOKEN.exec(token);
  if (!match) return undefined;
  const [, tag, pid, start, since] = match;
  return { tag, pid: Number(pid), start, since: parseInt(since, 36) };
}

/**
 * Whether the holder's process has ended. Only a process of this machine,
 * boot and pid namespace can be asked; for any other this says false, and
 * the caller goes by age alone.
 */
export async function holderIsDead(holder: Holder): Promise<boolean> {
  const me = whoAmI();
  if (holder.tag !== me.tag || !Number.isSafeInteger(holder.pid) || holder.pid <= 0) return false;
  if (holder.pid === process.pid) return holder.start !== me.start; // our pid, an earlier process's start: it died
  try {
    process.kill(holder.pid, 0); // signal 0: only asks whether the pid exists
  } catch (error) {
    return isErrno(error, 'ESRCH'); // EPERM: it exists, owned by another user
  }
  let stat: string;
  try {
    stat = await readFile(`/proc/${holder.pid}/stat`, 'utf8');
  } catch {
    return false; // no /proc (macOS): a live pid is taken as the holder
  }
  // A zombie has exited (only its parent has yet to reap it); another start time: the pid was reused.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X' || (holder.start !== '0' && startTicks(stat) !== holder.start);
}

/** Field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces and parentheses). */
function startTicks(stat: string): string {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}
