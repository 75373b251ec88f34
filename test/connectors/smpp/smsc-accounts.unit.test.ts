import { expect } from 'chai';
import { bindsByAccount } from '../../../src/connectors/smpp/smsc-accounts.js';

const bind = (id: string, host: string, port: number, systemId: string) => ({
  id,
  host,
  port,
  systemId,
});

describe('bindsByAccount', () => {
  const accountOf = bindsByAccount([
    bind('smpp-1', 'smsc.example', 2775, 'trunkline'),
    bind('smpp-2', 'SMSC.example', 2775, 'trunkline'),
    bind('smpp-3', 'smsc.example', 2775, 'other'),
    bind('smpp-4', 'smsc.example', 2776, 'trunkline'),
  ]);

  it('groups the binds with the same host, port and system_id, in configured order', () => {
    expect(accountOf('smpp-2')).to.deep.equal(['smpp-1', 'smpp-2']);
    expect(accountOf('smpp-1')).to.deep.equal(['smpp-1', 'smpp-2']);
  });

  it('keeps another system_id or another port apart', () => {
    expect(accountOf('smpp-3')).to.deep.equal(['smpp-3']);
    expect(accountOf('smpp-4')).to.deep.equal(['smpp-4']);
  });

  it('gives an id no bind has alone', () => {
    expect(accountOf('http-1')).to.deep.equal(['http-1']);
  });
});
