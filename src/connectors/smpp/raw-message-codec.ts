import smpp from 'smpp';

const MESSAGE_COMMANDS = ['submit_sm', 'deliver_sm'] as const;

let installed = false;

/**
 * Makes node-smpp keep `short_message` and `message_payload` as the raw octets on the wire.
 *
 * Out of the box the package guesses a charset from `data_coding` and turns the octets into a
 * string (GSM 03.38, Latin-1 or UCS-2), which loses bytes and splits the UDH off on its own
 * terms. Trunkline owns encoding (messaging's `encodeMessage` / `decodeShortMessage`), so it
 * wants Buffers both ways. The package's definitions are process-wide, so this replaces them
 * through its public `addCommand` / `addTLV` hooks, once; calling it again does nothing.
 */
export function installRawMessageCodec(): void {
  if (installed) return;
  for (const command of MESSAGE_COMMANDS) {
    const definition = smpp.commands[command];
    const params = Object.fromEntries(
      Object.entries(definition.params ?? {}).map(([name, param]) => [
        name,
        name === 'short_message' ? { type: param.type } : param,
      ]),
    );
    smpp.addCommand(command, { ...definition, params });
  }
  const payload = smpp.tlvs.message_payload;
  smpp.addTLV('message_payload', { id: payload.id, type: smpp.types.tlv.buffer });
  installed = true;
}
