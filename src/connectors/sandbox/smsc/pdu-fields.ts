import type smpp from 'smpp';

/** An address as it travels in a PDU. */
export interface WireAddress {
  ton: number;
  npi: number;
  addr: string;
}

/** A received `submit_sm`, read once. */
export interface SubmittedPart {
  /** E.164 with '+' when the TON is international, else as sent. */
  source: string;
  destination: string;
  sourceWire: WireAddress;
  destinationWire: WireAddress;
  dataCoding: number;
  esmClass: number;
  shortMessage: Buffer;
  registeredDelivery: number;
  sar?: { reference: number; total: number; sequence: number };
}

/** `+E164` → TON 1 / NPI 1 without '+'; bare digits → TON 0 / NPI 1; else alphanumeric TON 5. */
export function toWireAddress(value: string): WireAddress {
  if (/^\+\d+$/.test(value)) return { ton: 1, npi: 1, addr: value.slice(1) };
  if (/^\d+$/.test(value)) return { ton: 0, npi: 1, addr: value };
  return { ton: 5, npi: 0, addr: value };
}

/** Puts the '+' back on international numbers. */
export function fromWireAddress(address: WireAddress): string {
  return address.ton === 1 && /^\d+$/.test(address.addr) ? `+${address.addr}` : address.addr;
}

export function readSubmittedPart(pdu: smpp.PDU): SubmittedPart {
  const sourceWire = wire(pdu.source_addr_ton, pdu.source_addr_npi, pdu.source_addr);
  const destinationWire = wire(pdu.dest_addr_ton, pdu.dest_addr_npi, pdu.destination_addr);
  const short = pdu.short_message;
  const payload = pdu.message_payload;
  return {
    source: fromWireAddress(sourceWire),
    destination: fromWireAddress(destinationWire),
    sourceWire,
    destinationWire,
    dataCoding: Number(pdu.data_coding ?? 0),
    esmClass: Number(pdu.esm_class ?? 0),
    shortMessage:
      Buffer.isBuffer(short) && short.length > 0
        ? short
        : Buffer.isBuffer(payload)
          ? payload
          : Buffer.alloc(0),
    registeredDelivery: Number(pdu.registered_delivery ?? 0),
    sar: readSar(pdu),
  };
}

function wire(ton: unknown, npi: unknown, addr: unknown): WireAddress {
  return { ton: Number(ton ?? 0), npi: Number(npi ?? 0), addr: String(addr ?? '') };
}

function readSar(pdu: smpp.PDU): SubmittedPart['sar'] {
  const {
    sar_msg_ref_num: reference,
    sar_total_segments: total,
    sar_segment_seqnum: sequence,
  } = pdu;
  if (typeof reference !== 'number' || typeof total !== 'number' || typeof sequence !== 'number') {
    return undefined;
  }
  return { reference, total, sequence };
}
