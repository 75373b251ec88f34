import { expect } from 'chai';
import {
  channelNameFor,
  decideDialOutcome,
  parseCallerId,
  parseDialedNumber,
} from '../../../../src/connectors/sandbox/pbx/dial-outcome.js';

describe('parseDialedNumber', () => {
  it('finds the number whatever the dial template', () => {
    expect(parseDialedNumber('PJSIP/+15005550005@trunk')).to.equal('+15005550005');
    expect(parseDialedNumber('PJSIP/trunk/sip:+15005550006@10.0.0.1:5060')).to.equal(
      '+15005550006',
    );
    expect(parseDialedNumber('SIP/15005550007')).to.equal('15005550007');
    expect(parseDialedNumber('PJSIP/alice')).to.equal('');
  });
});

describe('decideDialOutcome', () => {
  it('maps the magic numbers, with or without +, and answers any other', () => {
    expect(decideDialOutcome('+15005550005')).to.equal('busy');
    expect(decideDialOutcome('15005550006')).to.equal('no-answer');
    expect(decideDialOutcome('+15005550007')).to.equal('failed');
    expect(decideDialOutcome('+14155550100')).to.equal('answer');
  });
});

describe('channelNameFor', () => {
  it('names channels like Asterisk', () => {
    expect(channelNameFor('PJSIP/+1555@trunk', 10)).to.equal('PJSIP/trunk-0000000a');
    expect(channelNameFor('PJSIP/carrier/sip:+1555@host', 1)).to.equal('PJSIP/carrier-00000001');
  });
});

describe('parseCallerId', () => {
  it('splits "Name" <number> and accepts a bare number', () => {
    expect(parseCallerId('"Alice" <+14155550100>')).to.deep.equal({
      name: 'Alice',
      number: '+14155550100',
    });
    expect(parseCallerId('+14155550100')).to.deep.equal({ name: '', number: '+14155550100' });
    expect(parseCallerId(undefined)).to.deep.equal({ name: '', number: '' });
  });
});
