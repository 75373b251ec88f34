import { expect } from 'chai';
import { decideSubmitOutcome } from '../../../../src/connectors/sandbox/smsc/outcomes.js';

describe('decideSubmitOutcome', () => {
  it('delivers any ordinary number', () => {
    expect(decideSubmitOutcome('+14155550100', 1)).to.deep.equal({
      kind: 'accepted',
      receipt: 'DELIVRD',
    });
  });

  it('accepts +15005550001 and reports it undelivered', () => {
    expect(decideSubmitOutcome('+15005550001', 1)).to.deep.equal({
      kind: 'accepted',
      receipt: 'UNDELIV',
    });
  });

  it('rejects +15005550002 with ESME_RINVDSTADR', () => {
    expect(decideSubmitOutcome('+15005550002', 1)).to.deep.equal({
      kind: 'rejected',
      commandStatus: 0x0b,
    });
  });

  it('throttles +15005550003 on the first two attempts, then delivers', () => {
    expect(decideSubmitOutcome('+15005550003', 1)).to.deep.equal({
      kind: 'rejected',
      commandStatus: 0x58,
    });
    expect(decideSubmitOutcome('+15005550003', 2)).to.deep.equal({
      kind: 'rejected',
      commandStatus: 0x58,
    });
    expect(decideSubmitOutcome('+15005550003', 3)).to.deep.equal({
      kind: 'accepted',
      receipt: 'DELIVRD',
    });
  });

  it('accepts +15005550004 without a receipt', () => {
    expect(decideSubmitOutcome('+15005550004', 1)).to.deep.equal({
      kind: 'accepted',
      receipt: null,
    });
  });
});
