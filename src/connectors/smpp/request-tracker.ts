import type { PDU } from 'smpp';
import { createUnexpectedResponseError } from './submit-errors.js';

interface Pending {
  command: string;
  resolve(pdu: PDU): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Requests of one connection awaiting their response, by `sequence_number`. node-smpp keeps
 * response callbacks forever and drops them silently when the socket closes; this tracker
 * gives every request exactly one outcome: its response, a timeout, or `failAll` on close.
 */
export interface RequestTracker {
  /** Waits for the response to `sequenceNumber`, failing with `onTimeout()` after `timeoutMs`. */
  track(
    sequenceNumber: number,
    command: string,
    timeoutMs: number,
    onTimeout: () => Error,
  ): Promise<PDU>;
  /**
   * Hands a response to its request; false when nothing waits for it. Only the request's own
   * `*_resp`, or a generic_nack with an error status, answers it: any other PDU with its
   * sequence number (a generic_nack with status 0) fails it with `smpp_unexpected_response`.
   */
  settle(response: PDU): boolean;
  /** Fails every waiting request, e.g. with a connection-lost error. */
  failAll(makeError: (command: string) => Error): void;
  size(): number;
}

export function createRequestTracker(): RequestTracker {
  const pending = new Map<number, Pending>();

  return {
    track(sequenceNumber, command, timeoutMs, onTimeout) {
      return new Promise<PDU>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(sequenceNumber);
          reject(onTimeout());
        }, timeoutMs);
        pending.set(sequenceNumber, { command, resolve, reject, timer });
      });
    },
    settle(response) {
      const entry = pending.get(response.sequence_number);
      if (!entry) return false;
      pending.delete(response.sequence_number);
      clearTimeout(entry.timer);
      const answers =
        response.command === `${entry.command}_resp` ||
        (response.command === 'generic_nack' && response.command_status !== 0);
      if (answers) entry.resolve(response);
      else entry.reject(createUnexpectedResponseError(entry.command, response.command));
      return true;
    },
    failAll(makeError) {
      const entries = [...pending.values()];
      pending.clear();
      for (const entry of entries) {
        clearTimeout(entry.timer);
        entry.reject(makeError(entry.command));
      }
    },
    size: () => pending.size,
  };
}
