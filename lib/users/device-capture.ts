import { SessionConfigError } from '../errors/session-config.error.js';
import type { SessionDevice } from '../stores/session-store.js';

/** Which facts about the creating client new records keep (`captureDevice`, resolved). */
export interface DeviceCapture {
  readonly ip: boolean;
  readonly userAgent: boolean;
}

/** Long enough for any real User-Agent; a hostile one is cut rather than stored whole in every record. */
const MAX_USER_AGENT = 512;
/** An IPv6 address with a zone fits easily. */
const MAX_IP = 64;

/** `captureDevice` as given (boolean or per field), checked; undefined when nothing is captured. */
export function resolveDeviceCapture(option: unknown, label: string): DeviceCapture | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return { ip: true, userAgent: true };
  const given = option as { ip?: unknown; userAgent?: unknown } | null;
  const flag = (value: unknown) => value === undefined || typeof value === 'boolean';
  if (typeof given !== 'object' || given === null || !flag(given.ip) || !flag(given.userAgent)) {
    throw new SessionConfigError(`${label}: "captureDevice" must be true, false or { ip?: boolean, userAgent?: boolean }; got ${JSON.stringify(option)}.`);
  }
  const capture = { ip: given.ip === true, userAgent: given.userAgent === true };
  return capture.ip || capture.userAgent ? capture : undefined;
}

/** The platform request's facts a capture keeps: Express's and Fastify's `ip` honour trust proxy; Node's request has only its socket. */
interface ClientRequest {
  ip?: unknown;
  socket?: { remoteAddress?: unknown };
  headers: { 'user-agent'?: unknown };
}

/** What a new record keeps about the request that creates it. */
export function deviceOf(request: object, capture: DeviceCapture): SessionDevice {
  const { ip, socket, headers } = request as ClientRequest;
  const address = typeof ip === 'string' ? ip : socket?.remoteAddress;
  const agent = headers?.['user-agent'];
  const device: SessionDevice = {};
  if (capture.ip && typeof address === 'string') device.ip = address.slice(0, MAX_IP);
  if (capture.userAgent && typeof agent === 'string') device.userAgent = agent.slice(0, MAX_USER_AGENT);
  return device;
}
