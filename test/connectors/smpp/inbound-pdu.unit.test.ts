import { expect } from 'chai';
import smpp from 'smpp';
import { installRawMessageCodec } from '../../../src/connectors/smpp/raw-message-codec.js';
import { toInboundPdu } from '../../../src/connectors/smpp/inbound-pdu.js';

/** A deliver_sm as it comes off the wire: encoded, then decoded by node-smpp. */
function received(command: string, params: Record<string, unknown>): smpp.PDU {
  installRawMessageCodec();
  const pdu = new smpp.PDU(command, params) as smpp.PDU & { toBuffer(): Buffer };
  return new smpp.PDU(pdu.toBuffer() as unknown as string);
}

describe('toInboundPdu', () => {
  it('keeps the raw octets and lists the TLVs by name', () => {
    const octets = Buffer.from([0x05, 0x00, 0x03, 0x01, 0x02, 0x01, 0x80, 0xff]);
    const pdu = received('deliver_sm', {
      source_addr_ton: 1,
      source_addr: '447700900123',
      dest_addr_ton: 5,
      destination_addr: 'ACME',
      esm_class: 0x40,
      data_coding: 8,
      short_message: octets,
      receipted_message_id: 'abc',
      message_state: 2,
    });
    const inbound = toInboundPdu('smpp-2', pdu);
    expect(inbound).to.deep.include({
      connectorId: 'smpp-2',
      source: '+447700900123',
      destination: 'ACME',
      esmClass: 0x40,
      dataCoding: 8,
      shortMessage: octets,
    });
    expect(inbound.tlvs).to.deep.equal({ receipted_message_id: 'abc', message_state: 2 });
  });

  it('takes message_payload when short_message is empty, as data_sm sends it', () => {
    const pdu = received('data_sm', {
      source_addr: '12345',
      destination_addr: '14155550100',
      message_payload: Buffer.from('hello'),
    });
    const inbound = toInboundPdu('smpp-1', pdu);
    expect(inbound.shortMessage.toString()).to.equal('hello');
    expect(inbound).to.include({ source: '12345', destination: '+14155550100' });
  });
});
