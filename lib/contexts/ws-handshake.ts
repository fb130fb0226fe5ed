import type { PlatformRequest } from '../request-sessions.js';

const HANDSHAKE: unique symbol = Symbol.for('nest-sessions.handshake');

interface ClientLike {
  [HANDSHAKE]?: PlatformRequest;
  /** socket.io: the HTTP request that opened the connection. */
  request?: PlatformRequest;
  /** socket.io: the handshake's details, headers included. */
  handshake?: { headers?: PlatformRequest['headers'] };
}

/**
 * Keeps the HTTP request that opened a WebSocket on its client, so messages
 * can read the session its cookie names. `ws` hands that request only to
 * the connection handler; call this in your gateway:
 * `handleConnection(client: WebSocket, request: IncomingMessage) { keepHandshake(client, request); }`.
 * socket.io keeps it by itself (`socket.request`). Only the request is kept,
 * never a session: each message reads the store afresh.
 */
export function keepHandshake(client: object, request: PlatformRequest): void {
  (client as ClientLike)[HANDSHAKE] = request;
}

/** The request that opened the client's connection, if known. */
export function handshakeOf(client: unknown): PlatformRequest | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const { [HANDSHAKE]: kept, request, handshake } = client as ClientLike;
  if (kept) return kept;
  if (request && typeof request.headers === 'object') return request;
  if (handshake && typeof handshake.headers === 'object') return { headers: handshake.headers };
  return undefined;
}
