import { expect } from 'chai';
import { fromSmppAddress, toSmppAddress } from '../../../src/connectors/smpp/addresses.js';

describe('toSmppAddress', () => {
  it('maps E.164, bare digits and alphanumeric ids to their TON / NPI', () => {
    expect(toSmppAddress('+14155550100')).to.deep.equal({ ton: 1, npi: 1, addr: '14155550100' });
    expect(toSmppAddress('12345')).to.deep.equal({ ton: 0, npi: 1, addr: '12345' });
    expect(toSmppAddress('ACME')).to.deep.equal({ ton: 5, npi: 0, addr: 'ACME' });
  });
});

describe('fromSmppAddress', () => {
  it('restores "+" on international numbers', () => {
    expect(fromSmppAddress(1, '447700900123')).to.equal('+447700900123');
  });

  it('restores "+" when TON is unknown but the digits are a valid E.164 number', () => {
    expect(fromSmppAddress(0, '14155550100')).to.equal('+14155550100');
  });

  it('leaves short codes, national numbers and alphanumeric ids alone', () => {
    expect(fromSmppAddress(0, '12345')).to.equal('12345');
    expect(fromSmppAddress(2, '4155550100')).to.equal('4155550100');
    expect(fromSmppAddress(5, 'ACME')).to.equal('ACME');
  });
});
