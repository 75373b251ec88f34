import { expect } from 'chai';
import { partsOf, type PartRow } from '../../src/messaging/message-parts.store.js';

const row = (message_id: string, smsc_id: string, part = 1): PartRow => ({
  message_id,
  part,
  connector_id: 'c1',
  smsc_id,
  status: 'sent',
  error_code: null,
});

describe('partsOf', () => {
  it('prefers the id as the receipt spelt it to its hex or decimal reading', () => {
    // Message A got id 16, B got 10; a receipt for 10 also reads as hex 0x10 = 16.
    const parts = [row('msg_a', '16'), row('msg_b', '10')];
    expect(
      partsOf(parts, { connectorIds: ['c1'], smscIds: ['10', 'a', '16'] })[0]?.message_id,
    ).to.equal('msg_b');
  });

  it('falls back to another spelling when the exact one is not held', () => {
    const parts = [row('msg_a', 'a')];
    expect(partsOf(parts, { connectorIds: ['c1'], smscIds: ['10', 'a'] })[0]?.message_id).to.equal(
      'msg_a',
    );
    expect(partsOf(parts, { connectorIds: ['c2'], smscIds: ['10', 'a'] })).to.deep.equal([]);
  });

  it('gives every part of the message that holds the id', () => {
    const parts = [row('msg_a', '555', 1), row('msg_a', '555', 2), row('msg_b', '556')];
    expect(
      partsOf(parts, { connectorIds: ['c1'], smscIds: ['555'] }).map((p) => p.part),
    ).to.deep.equal([1, 2]);
  });
});
