import type { Clock, Logger } from '../../../platform/index.js';
import type { DlrIdFormat, IdFormat } from './message-ids.js';
import type { Submission } from './submission-log.js';

/** An account allowed to bind. */
export interface SmscUser {
  systemId: string;
  password: string;
}

export interface SmscSimulatorOptions {
  logger: Logger;
  users: ReadonlyArray<SmscUser>;
  /** Loopback only by default; the simulator has no business on a real interface. */
  host?: string;
  /** 0 (default) picks a free port; `start()` says which. */
  port?: number;
  /** Pause between `submit_sm_resp` and its DLR (default 20 ms). */
  dlrDelayMs?: number;
  /** Message ids: 12 hex digits (default) or UUIDs like Jasmin. */
  idFormat?: IdFormat;
  /** `decimal`: DLRs quote hex ids in base 10, to exercise id correlation (default `same`). */
  dlrIdFormat?: DlrIdFormat;
  /** Pause before redelivering a `deliver_sm` the ESME refused or left unanswered (default 1 s). */
  redeliveryDelayMs?: number;
  /** Attempts per `deliver_sm` before giving up (default 10). */
  maxDeliveryAttempts?: number;
  /** How long to wait for a `deliver_sm_resp` (default 10 s). */
  responseTimeoutMs?: number;
  clock?: Clock;
}

/** Counters for tests that measure the ESME from the SMSC's side. */
export interface SmscStats {
  boundSessions: number;
  /** Binds answered ESME_RBINDFAIL. */
  bindRefusals: number;
  submitsReceived: number;
  /** `submit_sm` received and not yet answered. */
  outstandingSubmits: number;
  maxOutstandingSubmits: number;
  /** Arrival time (ms since epoch) of every `submit_sm`. */
  submitTimes: ReadonlyArray<number>;
}

/**
 * A real SMPP server on loopback that behaves like Jasmin towards Trunkline: it checks bind
 * credentials, answers `enquire_link`, acks `submit_sm` with an id, sends DLRs as
 * `deliver_sm` (esm_class 0x04, receipt text plus `receipted_message_id` / `message_state`)
 * and redelivers any `deliver_sm` the ESME does not acknowledge. Magic destinations script
 * failures (see MAGIC_DESTINATIONS); the other methods are hooks for tests and the sandbox API.
 */
export interface SmscSimulator {
  start(): Promise<{ port: number }>;
  /** Closes every connection and cancels every pending DLR, redelivery and delayed response. */
  stop(): Promise<void>;
  /**
   * A phone texts `to`: one `deliver_sm` per part (UDH when long), in order, each delivered
   * until acknowledged. Rejects at once when no receiver or transceiver is bound. With `raw`,
   * one `deliver_sm` carries exactly those octets under that data_coding and esm_class (0
   * unless given: a binary or 8-bit message, as carriers pass them through; 0x40 for one
   * part with its UDH), and `body` is ignored.
   */
  injectMo(input: {
    from: string;
    to: string;
    body: string;
    raw?: { dataCoding: number; shortMessage: Buffer; esmClass?: number };
  }): Promise<void>;
  /** Accepted messages, parts reassembled, in acceptance order of their last part. */
  submissions(): ReadonlyArray<Submission>;
  /** Destroys every client socket, as a network failure would. */
  dropConnections(): void;
  /** Holds each later `submit_sm_resp` for `ms`. */
  setResponseDelay(ms: number): void;
  /** While true, every request is ignored: no bind, enquire_link or submit answers. */
  setSilent(silent: boolean): void;
  stats(): SmscStats;
}
