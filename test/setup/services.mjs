// Plain ESM JavaScript on purpose: Jest loads global setup through Node's own
// module loader, which neither maps `.js` imports to `.ts` files nor strips types.
import { readdir } from 'node:fs/promises';

/**
 * The backends started for the test run: every `*-server.mjs` file beside this
 * one exports `start()`, resolving `{ name, stop() }`. Their handles live on
 * globalThis because Jest loads setup and teardown as separate module instances.
 */
export async function startServices() {
  const files = (await readdir(new URL('.', import.meta.url))).filter((f) => f.endsWith('-server.mjs')).sort();
  const running = (globalThis.__nestSessionsServices = []);
  for (const file of files) {
    const { start } = await import(new URL(file, import.meta.url).href);
    running.push(await start());
  }
}

export async function stopServices() {
  for (const service of (globalThis.__nestSessionsServices ?? []).reverse()) await service.stop();
}
