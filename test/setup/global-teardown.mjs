import { stopServices } from './services.mjs';

export default async function globalTeardown() {
  await stopServices();
}
