import { expect } from 'chai';
import { partOf, type PartRow } from '../../src/messaging/message-parts.store.js';

const row = (message_id: string, smsc_id: string): PartRow => ({
  message_id,
  part: 1,
  connector_id: 'c1',
  smsc_id,
  status: 'sent',
  error_code: null,
});

describe('partOf', () => {
  it('prefers the id as the receipt spelt it to its hex or decimal reading', () => {
    // Message A got id 16, B got 10; a receipt for 10 also reads as hex 0x10 = 16.
    const parts = [row('msg_a', '16'), row('msg_b', '10')];
    expect(partOf(parts, { connectorId: 'c1', smscIds: ['10', 'a', '16'] })?.message_id).to.equal(
      'msg_b',
    );
  });

  it('falls back to another spelling when the exact one is not held', () => {
    const parts = [row('msg_a', 'a')];
    expect(partOf(parts, { connectorId: 'c1', smscIds: ['10', 'a'] })?.message_id).to.equal(
      'msg_a',
    );
    expect(partOf(parts, { connectorId: 'c2', smscIds: ['10', 'a'] })).to.equal(null);
  });
});
