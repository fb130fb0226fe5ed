/**
 * The backends started for the test run. Each service is started once in
 * global setup and stopped in teardown; their handles live on globalThis
 * because Jest runs setup and teardown as separate module instances.
 */
export interface RunningService {
  name: string;
  stop(): Promise<void>;
}

type Starter = () => Promise<RunningService>;

const starters: Starter[] = [];

const registry = globalThis as typeof globalThis & { __nestSessionsServices?: RunningService[] };

export async function startServices(): Promise<void> {
  registry.__nestSessionsServices = [];
  for (const start of starters) registry.__nestSessionsServices.push(await start());
}

export async function stopServices(): Promise<void> {
  for (const service of (registry.__nestSessionsServices ?? []).reverse()) await service.stop();
}
