import smpp from 'smpp';
import { fromSmppAddress } from './addresses.js';
import type { InboundPdu } from './gateway.js';

const HEADER_FIELDS = [
  'command_length',
  'command_id',
  'command_status',
  'sequence_number',
  'command',
];

/**
 * A received `deliver_sm` / `data_sm` as the rest of Trunkline sees it: addresses with their
 * E.164 '+' restored, the raw octets (from `short_message`, or `message_payload` when the
 * short message is empty, as in `data_sm`), and every TLV present by its SMPP name
 * (`receipted_message_id`, `message_state`, `sar_msg_ref_num`...; unknown tags as `0x1402`).
 */
export function toInboundPdu(connectorId: string, pdu: smpp.PDU): InboundPdu {
  const mandatory = new Set([
    ...HEADER_FIELDS,
    ...Object.keys(smpp.commands[pdu.command]?.params ?? {}),
  ]);
  const tlvs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pdu)) {
    if (mandatory.has(key)) continue;
    tlvs[/^\d+$/.test(key) ? `0x${Number(key).toString(16).padStart(4, '0')}` : key] = value;
  }
  return {
    connectorId,
    esmClass: Number(pdu.esm_class ?? 0),
    source: fromSmppAddress(Number(pdu.source_addr_ton ?? 0), String(pdu.source_addr ?? '')),
    destination: fromSmppAddress(
      Number(pdu.dest_addr_ton ?? 0),
      String(pdu.destination_addr ?? ''),
    ),
    dataCoding: Number(pdu.data_coding ?? 0),
    shortMessage: pickMessage(pdu),
    tlvs,
  };
}

function pickMessage(pdu: smpp.PDU): Buffer {
  const short = pdu.short_message;
  if (Buffer.isBuffer(short) && short.length > 0) return short;
  const payload = pdu.message_payload;
  return Buffer.isBuffer(payload) ? payload : Buffer.alloc(0);
}
