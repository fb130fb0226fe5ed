import { HttpException } from '@nestjs/common';
import { SessionError } from '../errors/session.error.js';

type WsExceptionClass = new (error: string | object) => Error;
let wsExceptionClass: Promise<WsExceptionClass> | undefined;

/**
 * The error a socket's client sees: Nest's gateway filter sends a
 * `WsException`'s message as an `exception` event; anything else becomes
 * "Internal server error". Loaded on first use, from a gateway only, so apps
 * without @nestjs/websockets never load it.
 */
export async function toWsException(error: unknown): Promise<unknown> {
  const message = clientMessage(error);
  if (message === undefined) return error;
  wsExceptionClass ??= import('@nestjs/websockets').then((module) => module.WsException as WsExceptionClass);
  const exception = new (await wsExceptionClass)(message);
  Object.defineProperty(exception, 'cause', { value: error, configurable: true, writable: true });
  return exception;
}

/** An HttpException's message (a store outage, a save that failed), or a SessionError's own. */
function clientMessage(error: unknown): string | undefined {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const message = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
    return typeof message === 'string' ? message : error.message;
  }
  if (error instanceof SessionError) return error.message;
  return undefined;
}
