import smpp from 'smpp';
import { isStoreUnavailable, retryWrite, type Logger } from '../../platform/index.js';
import { computeBackoffDelay } from './backoff.js';
import { installRawMessageCodec } from './raw-message-codec.js';
import { createRequestTracker, type RequestTracker } from './request-tracker.js';
import { installTolerantDecode, isMalformed } from './tolerant-decode.js';
import type { SmppBindConfig } from './smpp-url.js';
import {
  createConnectionLostError,
  createNotBoundError,
  createTimeoutError,
} from './submit-errors.js';

const ESME_ROK = 0x00;
const ESME_RINVCMDID = 0x03;
const ESME_RX_T_APPN = 0x64;
/** "Error in the optional part of the PDU body": what a body node-smpp cannot read is answered with. */
const ESME_RINVOPTPARSTREAM = 0xc0;
const SMPP_VERSION_3_4 = 0x34;
const UNBIND_WAIT_MS = 2_000;
/** Pauses between tries of an inbound PDU while the database is unavailable (7.75 s). */
const INBOUND_RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000];

/** Receives a `deliver_sm` / `data_sm`; resolving acks it, rejecting answers ESME_RX_T_APPN. */
export type InboundRequestHandler = (pdu: smpp.PDU) => Promise<void>;

/**
 * One bind kept alive for as long as the process wants it: it connects, binds as a
 * transceiver, sends `enquire_link` every `enquireLinkMs` (no answer in time → the socket is
 * dropped), and after any loss reconnects forever with exponential back-off and jitter. A
 * refused bind (wrong password) is logged and retried the same way; socket errors are logged,
 * never thrown. It has no window or throughput cap: the gateway layers those on `request`.
 */
export interface SmppSession {
  readonly id: string;
  isBound(): boolean;
  /**
   * Sends a request on the bound connection and resolves with its response, whatever its
   * `command_status`. Rejects (UpstreamError, retryable) with `smpp_not_bound` when unbound,
   * `smpp_timeout` after `responseTimeoutMs`, `smpp_connection_lost` when the socket drops.
   */
  request(command: string, params: Record<string, unknown>): Promise<smpp.PDU>;
  /** One handler for SMSC-initiated `deliver_sm` and `data_sm`; its response waits for it. */
  onInboundRequest(handler: InboundRequestHandler): void;
  /** Called with true on each successful bind and false on each loss of a bind. */
  onBoundChange(listener: (bound: boolean) => void): void;
  /** Unbinds politely, stops reconnecting; in-flight requests fail with connection lost. */
  close(): Promise<void>;
}

export interface SmppSessionDeps {
  logger: Logger;
  /** Jitter source for the reconnect back-off; tests may pin it. */
  random?: () => number;
}

/**
 * The answer to a request we do not serve: its own response with ESME_RINVCMDID, or a
 * generic_nack for a command that has no response (node-smpp throws building one).
 */
function nackFor(pdu: smpp.PDU): smpp.PDU {
  try {
    return pdu.response({ command_status: ESME_RINVCMDID });
  } catch {
    return new smpp.PDU('generic_nack', {
      sequence_number: pdu.sequence_number,
      command_status: ESME_RINVCMDID,
    });
  }
}

interface Connection {
  session: smpp.Session;
  tracker: RequestTracker;
  keepAlive?: NodeJS.Timeout;
  closed: Promise<void>;
  /** When the bind succeeded (ms), if it did. */
  boundAt?: number;
}

/**
 * How long a bind must last to reset the reconnect back-off: an SMSC that accepts the bind
 * and closes the socket at once was rebound every ~175 ms for ever.
 */
const STABLE_BIND_MS = 10_000;

/** Starts connecting at once; see {@link SmppSession}. */
export function createSmppSession(config: SmppBindConfig, deps: SmppSessionDeps): SmppSession {
  installRawMessageCodec();
  installTolerantDecode();
  const log = deps.logger.child({ connector: config.id });
  const random = deps.random ?? Math.random;
  const boundListeners: Array<(bound: boolean) => void> = [];
  let inboundHandler: InboundRequestHandler | undefined;
  let connection: Connection | undefined;
  let bound = false;
  let closing: Promise<void> | undefined;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;

  function setBound(value: boolean): void {
    if (bound === value) return;
    bound = value;
    for (const listener of boundListeners) listener(value);
  }

  function send(
    conn: Connection,
    command: string,
    params: Record<string, unknown>,
    timeoutMs: number,
  ) {
    const pdu = new smpp.PDU(command, params);
    if (!conn.session.send(pdu)) return Promise.reject(createConnectionLostError(command));
    return conn.tracker.track(pdu.sequence_number, command, timeoutMs, () =>
      createTimeoutError(command, timeoutMs),
    );
  }

  function connect(): void {
    reconnectTimer = undefined;
    const session = smpp.connect({ host: config.host, port: config.port, tls: config.tls });
    let markClosed = () => {};
    const conn: Connection = {
      session,
      tracker: createRequestTracker(),
      closed: new Promise((resolve) => (markClosed = resolve)),
    };
    connection = conn;
    const connectTimer = setTimeout(() => {
      log.warn({ host: config.host, port: config.port }, 'SMPP connect timed out');
      session.destroy();
    }, config.responseTimeoutMs);
    session.on(config.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      session.socket.setNoDelay(true);
      void bind(conn);
    });
    session.on('error', (err: Error) => {
      log.warn({ err: err.message, host: config.host, port: config.port }, 'SMPP socket error');
      session.destroy();
    });
    session.on('pdu', (pdu: smpp.PDU) => {
      // node-smpp emits this outside any try: a throw here would end the process.
      try {
        handlePdu(conn, pdu);
      } catch (err) {
        log.error({ err, command: pdu.command }, 'SMPP PDU not handled');
      }
    });
    session.on('close', () => {
      clearTimeout(connectTimer);
      handleClose(conn);
      markClosed();
    });
  }

  async function bind(conn: Connection): Promise<void> {
    const credentials = {
      system_id: config.systemId,
      password: config.password,
      system_type: config.systemType,
      interface_version: SMPP_VERSION_3_4,
    };
    try {
      const response = await send(conn, 'bind_transceiver', credentials, config.responseTimeoutMs);
      if (conn !== connection || closing) return;
      if (response.command_status !== ESME_ROK) {
        log.error(
          { commandStatus: response.command_status, systemId: config.systemId },
          'SMPP bind refused; will retry',
        );
        conn.session.destroy();
        return;
      }
      conn.boundAt = Date.now();
      startKeepAlive(conn);
      log.info({ host: config.host, port: config.port }, 'SMPP bound');
      setBound(true);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'SMPP bind failed; will retry');
      conn.session.destroy();
    }
  }

  function startKeepAlive(conn: Connection): void {
    const timeoutMs = Math.min(config.responseTimeoutMs, config.enquireLinkMs);
    conn.keepAlive = setInterval(() => {
      send(conn, 'enquire_link', {}, timeoutMs).catch((err: Error) => {
        log.warn({ err: err.message }, 'enquire_link unanswered; dropping the connection');
        conn.session.destroy();
      });
    }, config.enquireLinkMs);
  }

  function handlePdu(conn: Connection, pdu: smpp.PDU): void {
    if (pdu.isResponse()) {
      // Its header's status still answers the request; an accepted submit whose message_id
      // cannot be read stays accepted (sending it again would send the SMS twice).
      if (isMalformed(pdu)) {
        log.warn(
          { command: pdu.command, sequence: pdu.sequence_number, err: pdu.malformed },
          'SMPP response with an unreadable body',
        );
      }
      if (!conn.tracker.settle(pdu)) {
        log.warn(
          { command: pdu.command, sequence: pdu.sequence_number },
          'SMPP response nobody awaits',
        );
      }
      return;
    }
    if (isMalformed(pdu)) {
      // Refused, so the SMSC neither waits for an answer nor takes the PDU as delivered.
      log.warn(
        { command: pdu.command, sequence: pdu.sequence_number, err: pdu.malformed },
        'SMPP request with an unreadable body; refused',
      );
      conn.session.send(pdu.response({ command_status: ESME_RINVOPTPARSTREAM }));
      return;
    }
    switch (pdu.command) {
      case 'enquire_link':
        conn.session.send(pdu.response());
        return;
      case 'unbind':
        log.info('SMSC unbound us; reconnecting');
        setBound(false);
        conn.session.send(pdu.response(), () => conn.session.destroy());
        return;
      case 'deliver_sm':
      case 'data_sm':
        void answerInbound(conn, pdu);
        return;
      case 'alert_notification':
        return;
      case 'outbind':
        // Asks an ESME to bind; this one binds by itself and is bound or binding already.
        log.info('SMSC sent outbind; ignored');
        return;
      default:
        conn.session.send(nackFor(pdu));
    }
  }

  async function answerInbound(conn: Connection, pdu: smpp.PDU): Promise<void> {
    let status = ESME_ROK;
    try {
      const handler = inboundHandler;
      if (!handler) throw new Error('no inbound handler registered');
      // While the database is down, the PDU is held and tried again (under 8 s, inside an
      // SMSC's response timer: the sandbox's is 10 s) before it is refused: each refusal spends
      // one of the SMSC's few redeliveries, and a receipt or MO past the last one is gone.
      // Not past the connection it came on: the SMSC redelivers it on the next.
      await retryWrite(
        () => handler(pdu),
        INBOUND_RETRY_DELAYS_MS,
        (err) =>
          log.warn({ err: (err as Error).message, command: pdu.command }, 'inbound PDU held'),
        (err) => isStoreUnavailable(err) && conn === connection && !closing,
      );
    } catch (err) {
      log.warn({ err: (err as Error).message, command: pdu.command }, 'inbound PDU not taken');
      status = ESME_RX_T_APPN;
    }
    const sent = conn.session.send(pdu.response(status ? { command_status: status } : {}));
    if (!sent) log.warn({ command: pdu.command }, 'connection gone before the inbound response');
  }

  function handleClose(conn: Connection): void {
    if (conn !== connection) return;
    connection = undefined;
    clearInterval(conn.keepAlive);
    const wasBound = bound;
    setBound(false);
    conn.tracker.failAll(createConnectionLostError);
    if (closing) return;
    if (wasBound) log.warn('SMPP connection lost; reconnecting');
    if (conn.boundAt !== undefined && Date.now() - conn.boundAt >= STABLE_BIND_MS) failures = 0;
    failures += 1;
    const delay = computeBackoffDelay(failures, config.reconnect, random);
    reconnectTimer = setTimeout(connect, delay);
  }

  async function shutDown(): Promise<void> {
    clearTimeout(reconnectTimer);
    const conn = connection;
    if (!conn) return;
    if (bound) {
      setBound(false);
      await send(conn, 'unbind', {}, Math.min(config.responseTimeoutMs, UNBIND_WAIT_MS)).catch(
        () => undefined,
      );
      conn.session.close();
    } else {
      conn.session.destroy();
    }
    const fallback = setTimeout(() => conn.session.destroy(), UNBIND_WAIT_MS);
    await conn.closed;
    clearTimeout(fallback);
    log.info('SMPP session closed');
  }

  connect();

  return {
    id: config.id,
    isBound: () => bound,
    request(command, params) {
      if (!bound || !connection || closing) {
        return Promise.reject(createNotBoundError(config.id));
      }
      try {
        return send(connection, command, params, config.responseTimeoutMs);
      } catch (err) {
        return Promise.reject(err);
      }
    },
    onInboundRequest(handler) {
      inboundHandler = handler;
    },
    onBoundChange(listener) {
      boundListeners.push(listener);
    },
    close() {
      closing ??= shutDown();
      return closing;
    },
  };
}
