import smpp from 'smpp';

const HEADER_LENGTH = 16;

/** A PDU whose header was read but whose body node-smpp could not decode. */
export interface MalformedPdu extends smpp.PDU {
  /** Why the body could not be read (node-smpp's error message). */
  malformed: string;
}

export function isMalformed(pdu: smpp.PDU): pdu is MalformedPdu {
  return typeof pdu.malformed === 'string';
}

let installed = false;

/**
 * Keeps a session alive past one PDU whose body node-smpp cannot decode (a TLV cut short,
 * say). Out of the box the package throws from its reader, emits `error` and leaves the
 * session unable to read another byte, so the peer never gets a response: an SMSC then
 * redelivers the same `deliver_sm` after every bind, and no other receipt gets through.
 *
 * The frame was read whole (its `command_length` is in the header), so the stream is still in
 * step: this hands on a PDU with the header's four fields, the command's name and
 * `malformed`, and the session answers it like any other. A header that is itself impossible
 * (shorter than 16 octets, or longer than node-smpp's maximum) still fails the session, as
 * nothing after it can be trusted. Process-wide, through the package's `PDU.fromStream`, once.
 */
export function installTolerantDecode(): void {
  if (installed) return;
  const readFrame = smpp.PDU.fromStream;
  smpp.PDU.fromStream = (stream, commandLength) => {
    if (commandLength < HEADER_LENGTH) return readFrame(stream, commandLength);
    const body = stream.read(commandLength - 4);
    if (!body) return false;
    const frame = Buffer.concat([lengthPrefix(commandLength), body]);
    try {
      return new smpp.PDU(frame);
    } catch (err) {
      return headerOnly(frame, (err as Error).message);
    }
  };
  installed = true;
}

function lengthPrefix(commandLength: number): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(commandLength, 0);
  return prefix;
}

function headerOnly(frame: Buffer, reason: string): MalformedPdu {
  const pdu = Object.create(smpp.PDU.prototype) as MalformedPdu;
  pdu.command_length = frame.readUInt32BE(0);
  pdu.command_id = frame.readUInt32BE(4);
  pdu.command_status = frame.readUInt32BE(8);
  pdu.sequence_number = frame.readUInt32BE(12);
  pdu.command = commandName(pdu.command_id);
  pdu.malformed = reason;
  return pdu;
}

function commandName(id: number): string {
  for (const [name, definition] of Object.entries(smpp.commands)) {
    if (definition.id === id) return name;
  }
  return 'unknown';
}
