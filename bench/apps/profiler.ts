import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

let session: Session | undefined;

/** Starts V8's sampling CPU profiler in this process (what `node --cpu-prof` runs, minus start-up). */
export async function startProfiling(): Promise<void> {
  session ??= new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}

/** Stops it and writes the profile as JSON (`.cpuprofile`). */
export async function stopProfiling(file: string): Promise<void> {
  if (!session) throw new Error('The profiler was not started');
  const { profile } = await session.post('Profiler.stop');
  await session.post('Profiler.disable');
  session.disconnect();
  await writeFile(file, JSON.stringify(profile));
}
