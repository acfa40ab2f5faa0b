import type { Connection } from '../contract/connection.js';
import type { ProtocolError } from '../contract/errors.js';
import type { NetworkMessage } from '../contract/messages.js';

export interface ConnectionHandlers {
  seen(): void;
  message(message: NetworkMessage): void;
  close(code: number, reason: string): void;
  protocolError(error: ProtocolError): void;
}

export const LISTENERS_PER_CONNECTION = 4;

/**
 * Puts a manager's four listeners on a connection and returns the function that takes exactly
 * those off again, so a removed peer leaves no listener behind.
 */
export function attachConnection(connection: Connection, handlers: ConnectionHandlers): () => void {
  const { seen, message, close, protocolError } = handlers;
  connection.on('seen', seen).on('message', message).on('close', close).on('protocol-error', protocolError);
  return () => {
    connection.off('seen', seen).off('message', message).off('close', close).off('protocol-error', protocolError);
  };
}
