import type { ControlMethod, PageMessage } from './protocol.js';

export const controlMethods: readonly ControlMethod[] = [
  'open',
  'close',
  'stop',
  'migrate',
  'ignore',
  'accept',
  'reject',
];

/** Why a page message was refused. */
export class PageMessageError extends Error {
  override readonly name = 'PageMessageError';
}

const maxIdLength = 256;

/**
 * Reads one message from the page, strictly: exactly the fields of a `PageMessage`, of the
 * right types and lengths, or a PageMessageError. Never trusts the page: it is only as honest
 * as the token's secrecy.
 */
export function parsePageMessage(text: string): PageMessage {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    throw new PageMessageError('Not JSON.');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new PageMessageError('Not an object.');
  }
  const fields = message as Record<string, unknown>;
  if (fields.type !== 'control') {
    throw new PageMessageError(
      `Unknown message type ${JSON.stringify(fields.type)?.slice(0, 64)}.`,
    );
  }
  const keys = Object.keys(fields).sort().join();
  const requestId = id(fields.requestId, 'requestId');
  const method = fields.method;
  if (typeof method !== 'string' || !(controlMethods as readonly string[]).includes(method)) {
    throw new PageMessageError('Not a public session method.');
  }
  if (keys === 'method,requestId,sessionId,type') {
    return {
      type: 'control',
      requestId,
      sessionId: id(fields.sessionId, 'sessionId'),
      method: method as ControlMethod,
    };
  }
  if (keys === 'configurationId,method,requestId,type' && method === 'open') {
    return {
      type: 'control',
      requestId,
      configurationId: id(fields.configurationId, 'configurationId'),
      method: 'open',
    };
  }
  throw new PageMessageError('A control message names a session, or a configuration to open.');
}

function id(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxIdLength) {
    throw new PageMessageError(`${what} must be a string of 1 to ${maxIdLength} characters.`);
  }
  return value;
}
