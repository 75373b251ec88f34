import { expect } from 'chai';
import fc from 'fast-check';
import {
  messageIdCandidates,
  normalizeMessageId,
} from '../../../src/connectors/smpp/message-id.js';

describe('normalizeMessageId', () => {
  it('trims, lower-cases and strips leading zeros', () => {
    expect(normalizeMessageId('  00A1B2C3\n')).to.equal('a1b2c3');
  });

  it('keeps a lone zero, and turns all-zero ids into "0"', () => {
    expect(normalizeMessageId('0')).to.equal('0');
    expect(normalizeMessageId('0000')).to.equal('0');
  });

  it('leaves an empty id empty', () => {
    expect(normalizeMessageId('   ')).to.equal('');
  });

  it('lower-cases a Jasmin UUID without changing it otherwise', () => {
    expect(normalizeMessageId('16FD2706-8BAF-433B-82EB-8C7FADA847DA')).to.equal(
      '16fd2706-8baf-433b-82eb-8c7fada847da',
    );
  });
});

describe('messageIdCandidates', () => {
  it('finds a hex submit_sm_resp id from the decimal id in the receipt', () => {
    // submit_sm_resp said "499602D2"; the receipt says id:1234567890
    expect(messageIdCandidates('1234567890')).to.include(normalizeMessageId('499602D2'));
  });

  it('finds a decimal submit_sm_resp id from the hex id in the receipt', () => {
    expect(messageIdCandidates('499602D2')).to.deep.equal(['499602d2', '1234567890']);
  });

  it('offers both conversions for an all-decimal id, the id itself first', () => {
    expect(messageIdCandidates('1234567890')).to.deep.equal([
      '1234567890',
      '499602d2',
      '78187493520',
    ]);
  });

  it('matches a zero-padded receipt id to the unpadded stored id', () => {
    expect(messageIdCandidates('0000000001')).to.deep.equal(['1']);
    expect(messageIdCandidates('00000010')).to.deep.equal(['10', 'a', '16']);
  });

  it('converts a 20-digit id (the largest 64-bit value) but not a longer one', () => {
    expect(messageIdCandidates('18446744073709551615')).to.include('ffffffffffffffff');
    expect(messageIdCandidates('123456789012345678901')).to.deep.equal(['123456789012345678901']);
  });

  it('does not convert a 32-hex-digit id or a UUID', () => {
    expect(messageIdCandidates('C449AB9744F47B6AF1879E49E75E4F40')).to.deep.equal([
      'c449ab9744f47b6af1879e49e75e4f40',
    ]);
    expect(messageIdCandidates('16fd2706-8baf-433b-82eb-8c7fada847da')).to.deep.equal([
      '16fd2706-8baf-433b-82eb-8c7fada847da',
    ]);
  });

  it('returns only the normalised id for ids that are not numbers', () => {
    expect(messageIdCandidates(' MSG-42 ')).to.deep.equal(['msg-42']);
    expect(messageIdCandidates('')).to.deep.equal(['']);
    expect(messageIdCandidates('0')).to.deep.equal(['0']);
  });

  it('always links a 64-bit id written in decimal and in hex, whichever side has which', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.nat(8), (value, padding) => {
        const decimal = '0'.repeat(padding) + value.toString(10);
        const hex = value.toString(16).toUpperCase();
        expect(messageIdCandidates(decimal)).to.include(normalizeMessageId(hex));
        expect(messageIdCandidates(hex)).to.include(normalizeMessageId(decimal));
      }),
    );
  });

  it('returns no duplicates and starts with the normalised id', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('0', '1', '9', 'a', 'F', '-', ' '), maxLength: 24 }),
        (id) => {
          const candidates = messageIdCandidates(id);
          expect(candidates[0]).to.equal(normalizeMessageId(id));
          expect(new Set(candidates).size).to.equal(candidates.length);
        },
      ),
    );
  });
});
