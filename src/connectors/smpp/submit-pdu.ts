import { UnprocessableError } from '../../platform/index.js';
import { toSmppAddress } from './addresses.js';
import type { SubmitPart } from './gateway.js';

/** SMPP 3.4 caps `short_message` at 254 octets and addresses at 20 characters. */
const MAX_SHORT_MESSAGE_OCTETS = 254;
const MAX_ADDRESS_LENGTH = 20;
const MAX_RELATIVE_SECONDS = 99 * 86_400 + 86_399;

/**
 * The `submit_sm` parameters for one part. Rejects (422, not retryable) what no SMSC could
 * take, so a bad part never reaches the window.
 */
export function buildSubmitSmParams(part: SubmitPart): Record<string, unknown> {
  if (part.shortMessage.length > MAX_SHORT_MESSAGE_OCTETS) {
    throw new UnprocessableError(
      `A message part is ${part.shortMessage.length} octets; SMPP allows ${MAX_SHORT_MESSAGE_OCTETS}.`,
      'smpp_invalid_message_length',
    );
  }
  const source = toSmppAddress(part.source);
  const destination = toSmppAddress(part.destination);
  for (const [name, address] of [
    ['source', source],
    ['destination', destination],
  ] as const) {
    if (address.addr.length === 0 || address.addr.length > MAX_ADDRESS_LENGTH) {
      throw new UnprocessableError(
        `The ${name} address does not fit SMPP.`,
        `smpp_invalid_${name}`,
      );
    }
  }
  return {
    source_addr_ton: source.ton,
    source_addr_npi: source.npi,
    source_addr: source.addr,
    dest_addr_ton: destination.ton,
    dest_addr_npi: destination.npi,
    destination_addr: destination.addr,
    esm_class: part.esmClass,
    data_coding: part.dataCoding,
    short_message: part.shortMessage,
    registered_delivery: part.registeredDelivery ? 1 : 0,
    validity_period:
      part.validityPeriodSeconds === undefined
        ? ''
        : formatRelativeTime(part.validityPeriodSeconds),
  };
}

/**
 * SMPP relative time `YYMMDDhhmmss000R` for a duration in seconds, e.g. 3600 →
 * `000000010000000R`. Years and months stay 0 (their length is ambiguous); the duration is
 * clamped to 1 s … 99 days 23:59:59.
 */
export function formatRelativeTime(seconds: number): string {
  let rest = Math.min(Math.max(Math.floor(seconds), 1), MAX_RELATIVE_SECONDS);
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3_600);
  rest -= hours * 3_600;
  const minutes = Math.floor(rest / 60);
  const secs = rest - minutes * 60;
  const two = (value: number) => String(value).padStart(2, '0');
  return `0000${two(days)}${two(hours)}${two(minutes)}${two(secs)}000R`;
}
