import { stopServices } from './services.js';

export default async function globalTeardown(): Promise<void> {
  await stopServices();
}
