import { AppError, UpstreamError } from '../../platform/index.js';

/** One row of the `command_status` translation (also printed in the README). */
export interface SubmitErrorRule {
  commandStatus: number;
  /** The SMPP name, e.g. `ESME_RTHROTTLED`. */
  name: string;
  /** Our error code, e.g. `smpp_throttled`. */
  code: string;
  /** True: try again later (502 UpstreamError). False: the message can never go (422). */
  retryable: boolean;
  description: string;
}

/**
 * How `submit_sm_resp.command_status` values become our errors: the one place SMPP statuses
 * are interpreted. Transient statuses say nothing about the message itself (SMSC busy,
 * throttled, not bound), so the send dispatcher retries them; the others describe the message and
 * fail it for good. A status missing from this table is permanent, coded `smpp_error_0x…`.
 */
export const SUBMIT_ERROR_TABLE: readonly SubmitErrorRule[] = [
  rule(0x58, 'ESME_RTHROTTLED', 'smpp_throttled', true, 'The SMSC throttled this bind.'),
  rule(0x14, 'ESME_RMSGQFUL', 'smpp_queue_full', true, 'The SMSC message queue is full.'),
  rule(0x08, 'ESME_RSYSERR', 'smpp_system_error', true, 'The SMSC reported a system error.'),
  rule(
    0x45,
    'ESME_RSUBMITFAIL',
    'smpp_submit_failed',
    true,
    'The SMSC failed to take the message.',
  ),
  rule(0x04, 'ESME_RINVBNDSTS', 'smpp_not_bound', true, 'The SMSC does not consider us bound.'),
  rule(
    0x64,
    'ESME_RX_T_APPN',
    'smpp_temporary_error',
    true,
    'The SMSC reported a temporary error.',
  ),
  rule(0xff, 'ESME_RUNKNOWNERR', 'smpp_unknown_error', true, 'The SMSC reported an unknown error.'),
  rule(0x0b, 'ESME_RINVDSTADR', 'smpp_invalid_destination', false, 'Invalid destination address.'),
  rule(0x50, 'ESME_RINVDSTTON', 'smpp_invalid_destination', false, 'Invalid destination TON.'),
  rule(0x51, 'ESME_RINVDSTNPI', 'smpp_invalid_destination', false, 'Invalid destination NPI.'),
  rule(0x0a, 'ESME_RINVSRCADR', 'smpp_invalid_source', false, 'Invalid source address.'),
  rule(0x48, 'ESME_RINVSRCTON', 'smpp_invalid_source', false, 'Invalid source TON.'),
  rule(0x49, 'ESME_RINVSRCNPI', 'smpp_invalid_source', false, 'Invalid source NPI.'),
  rule(0x01, 'ESME_RINVMSGLEN', 'smpp_invalid_message_length', false, 'Invalid message length.'),
  rule(0x104, 'ESME_RINVDCS', 'smpp_invalid_data_coding', false, 'Invalid data_coding (SMPP 5.0).'),
  rule(0x43, 'ESME_RINVESMCLASS', 'smpp_invalid_esm_class', false, 'Invalid esm_class.'),
  rule(0x62, 'ESME_RINVEXPIRY', 'smpp_invalid_validity_period', false, 'Invalid validity period.'),
  rule(0x65, 'ESME_RX_P_APPN', 'smpp_rejected', false, 'The SMSC rejected the message for good.'),
  rule(0x66, 'ESME_RX_R_APPN', 'smpp_rejected', false, 'The SMSC rejected the message.'),
];

const RULES_BY_STATUS = new Map(SUBMIT_ERROR_TABLE.map((entry) => [entry.commandStatus, entry]));

/** `0x0000000b` — the 8-digit spelling of a command_status used in codes and details. */
export function formatCommandStatus(commandStatus: number): string {
  return `0x${commandStatus.toString(16).padStart(8, '0')}`;
}

/**
 * Translates a non-zero `submit_sm_resp.command_status` into our error: an UpstreamError
 * (502, retryable) or a 422 AppError (not retryable). `extra.commandStatus` keeps the number.
 */
export function mapSubmitStatus(commandStatus: number): AppError {
  const hex = formatCommandStatus(commandStatus);
  const entry = RULES_BY_STATUS.get(commandStatus);
  const extra = { commandStatus, commandStatusName: entry?.name ?? null };
  if (!entry) {
    return new AppError(422, `smpp_error_${hex}`, `The SMSC refused the message (${hex}).`, {
      retryable: false,
      extra,
    });
  }
  const detail = `${entry.description} (${entry.name} ${hex})`;
  if (entry.retryable) return new UpstreamError(detail, entry.code, { extra });
  return new AppError(422, entry.code, detail, { retryable: false, extra });
}

/** The SMSC answered a request with another PDU than its response (a generic_nack with 0). */
export function createUnexpectedResponseError(command: string, answer: string): UpstreamError {
  return new UpstreamError(
    `The SMSC answered ${command} with ${answer}, not ${command}_resp.`,
    'smpp_unexpected_response',
  );
}

/** No `*_resp` arrived within the bind's response timeout; the SMSC may still have the message. */
export function createTimeoutError(command: string, timeoutMs: number): UpstreamError {
  return new UpstreamError(`No ${command}_resp within ${timeoutMs} ms.`, 'smpp_timeout');
}

/** The connection dropped while a request was awaiting its response. */
export function createConnectionLostError(command: string): UpstreamError {
  return new UpstreamError(
    `The SMPP connection closed before ${command}_resp.`,
    'smpp_connection_lost',
  );
}

/** The bind is down (connecting, rebinding or closed): nothing can be sent on it now. */
export function createNotBoundError(connectorId: string): UpstreamError {
  return new UpstreamError(`The SMPP bind ${connectorId} is not bound.`, 'smpp_not_bound');
}

function rule(
  commandStatus: number,
  name: string,
  code: string,
  retryable: boolean,
  description: string,
): SubmitErrorRule {
  return { commandStatus, name, code, retryable, description };
}
