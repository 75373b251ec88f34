import { systemClock, type Clock, type Logger } from '../../platform/index.js';
import { toInboundPdu } from './inbound-pdu.js';
import { createSmppSession } from './session.js';
import type { SmppBindConfig } from './smpp-url.js';
import { buildSubmitSmParams } from './submit-pdu.js';
import { createSubmitScheduler } from './submit-scheduler.js';
import { createNotBoundError, mapSubmitStatus } from './submit-errors.js';

/** One message part to send, already encoded (messaging's `encodeMessage` segments). */
export interface SubmitPart {
  /** `+14155550199` (E.164 → TON 1 / NPI 1, '+' stripped on the wire) or an alphanumeric id (TON 5 / NPI 0). */
  source: string;
  /** E.164; '+' stripped on the wire, TON 1 / NPI 1. */
  destination: string;
  /** 0 (GSM 7-bit, unpacked) or 8 (UCS-2). */
  dataCoding: number;
  /** 0x40 when `shortMessage` starts with a UDH (concatenated part). */
  esmClass: number;
  /** At most 254 octets, UDH included. */
  shortMessage: Buffer;
  /** Ask for a delivery receipt (registered_delivery 1). */
  registeredDelivery: boolean;
  /** Sent as SMPP relative time `YYMMDDhhmmss000R`. */
  validityPeriodSeconds?: number;
}

/**
 * A PDU the SMSC sent us: a delivery receipt (`esmClass & 0x3c` = 0x04) or a mobile-originated
 * message, unparsed. Addresses carry '+' again when they are E.164 numbers.
 */
export interface InboundPdu {
  /** The bind it arrived on (`SmppBindConfig.id`). */
  connectorId: string;
  esmClass: number;
  source: string;
  destination: string;
  dataCoding: number;
  /** Raw octets, UDH included when `esmClass & 0x40`. */
  shortMessage: Buffer;
  /** Optional parameters by SMPP name: `receipted_message_id`, `message_state`, `sar_*`... */
  tlvs: Record<string, unknown>;
}

/**
 * The port messaging sends SMS through and receives DLRs / MO from. It deliberately knows
 * nothing of messages, statuses or retries: it submits one part and reports what the SMSC
 * said, and it hands each inbound PDU over unparsed. Errors are our AppErrors: `retryable`
 * ones (502, `smpp_throttled`, `smpp_timeout`, `smpp_not_bound`...) say "try again later";
 * the others (422, `smpp_invalid_destination`...) say this part can never go.
 */
export interface SmsGateway {
  readonly id: string;
  /** Resolves with the SMSC's message id once `submit_sm_resp` says OK. */
  submit(part: SubmitPart): Promise<{ messageId: string }>;
  /**
   * The one handler for DLRs and MO alike. The SMSC gets its `deliver_sm_resp` only after the
   * handler resolves; if it rejects, the answer is ESME_RX_T_APPN (0x64) so the SMSC delivers
   * the PDU again later (at-least-once: the handler must be idempotent).
   */
  onInbound(handler: (pdu: InboundPdu) => Promise<void>): void;
  isBound(): boolean;
  /** Unbinds politely, stops reconnecting; submits still waiting for the window fail. */
  close(): Promise<void>;
}

export interface SmppGatewayDeps {
  logger: Logger;
  clock?: Clock;
  /** Jitter source for the reconnect back-off. */
  random?: () => number;
}

/**
 * An SmsGateway over one SMPP bind: a self-healing session, a window of `config.window`
 * outstanding submits (extra ones wait in FIFO order), `config.throughput` submits per second,
 * and `config.responseTimeoutMs` per submit. When the bind drops, in-flight submits fail with
 * `smpp_connection_lost` and waiting ones with `smpp_not_bound`; submits while unbound fail
 * at once with `smpp_not_bound` (the router then prefers another bind).
 */
export function createSmppGateway(config: SmppBindConfig, deps: SmppGatewayDeps): SmsGateway {
  const session = createSmppSession(config, { logger: deps.logger, random: deps.random });
  const scheduler = createSubmitScheduler({
    window: config.window,
    throughput: config.throughput,
    clock: deps.clock ?? systemClock,
  });
  let inboundHandler: ((pdu: InboundPdu) => Promise<void>) | undefined;
  let closed = false;

  session.onBoundChange((bound) => {
    if (!bound) scheduler.failWaiting(createNotBoundError(config.id));
  });
  session.onInboundRequest(async (pdu) => {
    if (!inboundHandler) throw new Error('no inbound handler registered');
    await inboundHandler(toInboundPdu(config.id, pdu));
  });

  return {
    id: config.id,
    async submit(part) {
      const params = buildSubmitSmParams(part);
      if (closed || !session.isBound()) throw createNotBoundError(config.id);
      return scheduler.run(async () => {
        const response = await session.request('submit_sm', params);
        // A submit_sm_resp, or a generic_nack with an error status (see the request tracker).
        if (response.command_status !== 0) throw mapSubmitStatus(response.command_status);
        return { messageId: String(response.message_id ?? '') };
      });
    },
    onInbound(handler) {
      inboundHandler = handler;
    },
    isBound: () => !closed && session.isBound(),
    async close() {
      closed = true;
      scheduler.failWaiting(createNotBoundError(config.id));
      scheduler.stop();
      await session.close();
    },
  };
}
