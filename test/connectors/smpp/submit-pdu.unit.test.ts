import { expect } from 'chai';
import { AppError } from '../../../src/platform/index.js';
import {
  buildSubmitSmParams,
  formatRelativeTime,
} from '../../../src/connectors/smpp/submit-pdu.js';

const base = {
  source: '+14155550199',
  destination: '+447700900123',
  dataCoding: 0,
  esmClass: 0,
  shortMessage: Buffer.from('hi'),
  registeredDelivery: true,
};

describe('buildSubmitSmParams', () => {
  it('sends E.164 numbers without "+" as TON 1 / NPI 1 and asks for a DLR', () => {
    expect(buildSubmitSmParams(base)).to.include({
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '14155550199',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '447700900123',
      registered_delivery: 1,
      validity_period: '',
    });
  });

  it('sends an alphanumeric sender as TON 5 / NPI 0', () => {
    expect(buildSubmitSmParams({ ...base, source: 'Trunkline' })).to.include({
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: 'Trunkline',
    });
  });

  it('writes the validity period as SMPP relative time', () => {
    expect(buildSubmitSmParams({ ...base, validityPeriodSeconds: 3600 }).validity_period).to.equal(
      '000000010000000R',
    );
  });

  it('rejects a part longer than 254 octets as smpp_invalid_message_length', () => {
    expect(() => buildSubmitSmParams({ ...base, shortMessage: Buffer.alloc(255) }))
      .to.throw(AppError)
      .with.property('code', 'smpp_invalid_message_length');
  });
});

describe('formatRelativeTime', () => {
  it('spreads seconds over days, hours, minutes and seconds', () => {
    expect(formatRelativeTime(2 * 86_400 + 3 * 3_600 + 4 * 60 + 5)).to.equal('000002030405000R');
  });

  it('clamps to 1 second and to 99 days 23:59:59', () => {
    expect(formatRelativeTime(0)).to.equal('000000000001000R');
    expect(formatRelativeTime(10 ** 9)).to.equal('000099235959000R');
  });
});
