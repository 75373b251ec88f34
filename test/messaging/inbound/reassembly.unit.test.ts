import { expect } from 'chai';
import fc from 'fast-check';
import { createReassembler, type MoPart } from '../../../src/messaging/inbound/index.js';
import { encodeMessage, parseUdh } from '../../../src/messaging/encoding/index.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function part(overrides: Partial<MoPart> & Pick<MoPart, 'sequence' | 'payload'>): MoPart {
  return {
    key: 'c1|+447700900001|+15005550199',
    reference: 42,
    total: 3,
    dataCoding: 0,
    receivedAt: T0,
    ...overrides,
  };
}

const gsm = (text: string) => Buffer.from(text, 'ascii');

describe('createReassembler', () => {
  describe('add', () => {
    it('returns null until the last part, then the text in sequence order', () => {
      const r = createReassembler({ ttlMs: 60_000 });
      expect(r.add(part({ sequence: 2, payload: gsm('lo, ') }))).to.equal(null);
      expect(r.add(part({ sequence: 1, payload: gsm('Hel') }))).to.equal(null);
      expect(r.size()).to.equal(1);
      expect(r.add(part({ sequence: 3, payload: gsm('world') }))).to.deep.equal({
        text: 'Hello, world',
        dataCoding: 0,
        parts: 3,
      });
      expect(r.size()).to.equal(0);
    });

    it('ignores a duplicate part while the group is incomplete', () => {
      const r = createReassembler({ ttlMs: 60_000 });
      r.add(part({ total: 2, sequence: 1, payload: gsm('ab') }));
      expect(r.add(part({ total: 2, sequence: 1, payload: gsm('XX') }))).to.equal(null);
      expect(r.add(part({ total: 2, sequence: 2, payload: gsm('cd') }))?.text).to.equal('abcd');
    });

    it('ignores a re-sent copy of a part of a message it already completed', () => {
      const r = createReassembler({ ttlMs: 60_000 });
      r.add(part({ total: 2, sequence: 1, payload: gsm('ab') }));
      r.add(part({ total: 2, sequence: 2, payload: gsm('cd') }));
      expect(r.add(part({ total: 2, sequence: 2, payload: gsm('cd') }))).to.equal(null);
      expect(r.size()).to.equal(0);
      expect(r.expire(at(120_000))).to.deep.equal([]);
    });

    it('starts a new message when a completed reference is reused with different content', () => {
      const r = createReassembler({ ttlMs: 60_000 });
      r.add(part({ total: 2, sequence: 1, payload: gsm('ab') }));
      r.add(part({ total: 2, sequence: 2, payload: gsm('cd') }));
      expect(r.add(part({ total: 2, sequence: 1, payload: gsm('ef') }))).to.equal(null);
      expect(r.add(part({ total: 2, sequence: 2, payload: gsm('gh') }))?.text).to.equal('efgh');
    });

    it('keeps groups apart by key, reference and total', () => {
      const r = createReassembler({ ttlMs: 60_000 });
      r.add(part({ key: 'a', total: 2, sequence: 1, payload: gsm('A1') }));
      r.add(part({ key: 'b', total: 2, sequence: 1, payload: gsm('B1') }));
      r.add(part({ key: 'a', reference: 43, total: 2, sequence: 1, payload: gsm('R1') }));
      r.add(part({ key: 'a', total: 3, sequence: 1, payload: gsm('T1') }));
      expect(r.size()).to.equal(4);
      expect(r.add(part({ key: 'b', total: 2, sequence: 2, payload: gsm('B2') }))?.text).to.equal(
        'B1B2',
      );
      expect(r.add(part({ key: 'a', total: 2, sequence: 2, payload: gsm('A2') }))?.text).to.equal(
        'A1A2',
      );
      expect(r.size()).to.equal(2);
    });

    it('decodes once, so a UCS-2 surrogate pair split across parts survives', () => {
      const r = createReassembler({ ttlMs: 60_000 });
      const octets = Buffer.from([0x00, 0x61, 0xd8, 0x3d, 0xde, 0x00, 0x00, 0x62]); // a😀b
      r.add(part({ total: 2, sequence: 1, dataCoding: 8, payload: octets.subarray(0, 4) }));
      const whole = r.add(
        part({ total: 2, sequence: 2, dataCoding: 8, payload: octets.subarray(4) }),
      );
      expect(whole).to.deep.equal({ text: 'a😀b', dataCoding: 8, parts: 2 });
    });

    it('decodes once, so a GSM-7 escape split across parts survives', () => {
      const r = createReassembler({ ttlMs: 60_000 });
      r.add(part({ total: 2, sequence: 1, payload: Buffer.from([0x31, 0x1b]) }));
      expect(
        r.add(part({ total: 2, sequence: 2, payload: Buffer.from([0x65, 0x32]) }))?.text,
      ).to.equal('1€2');
    });

    it('decodes with the first part’s data_coding', () => {
      const r = createReassembler({ ttlMs: 60_000 });
      r.add(part({ total: 2, sequence: 1, dataCoding: 8, payload: Buffer.from([0x04, 0x16]) }));
      const whole = r.add(
        part({ total: 2, sequence: 2, dataCoding: 0, payload: Buffer.from([0x04, 0x17]) }),
      );
      expect(whole).to.deep.equal({ text: 'ЖЗ', dataCoding: 8, parts: 2 });
    });

    it('returns a part that cannot belong to a message on its own instead of dropping it', () => {
      const r = createReassembler({ ttlMs: 60_000 });
      expect(r.add(part({ total: 1, sequence: 1, payload: gsm('solo') }))).to.deep.equal({
        text: 'solo',
        dataCoding: 0,
        parts: 1,
      });
      expect(r.add(part({ total: 2, sequence: 3, payload: gsm('odd') }))?.text).to.equal('odd');
      expect(r.add(part({ total: 2, sequence: 0, payload: gsm('zero') }))?.text).to.equal('zero');
      expect(r.size()).to.equal(0);
    });
  });

  describe('expire', () => {
    it('returns incomplete groups at least ttl old with the parts that arrived, in order', () => {
      const r = createReassembler({ ttlMs: 30_000 });
      r.add(part({ total: 4, sequence: 4, payload: gsm('four'), receivedAt: at(1_000) }));
      r.add(part({ total: 4, sequence: 1, payload: gsm('one '), receivedAt: at(0) }));
      r.add(part({ total: 4, sequence: 2, payload: gsm('two '), receivedAt: at(2_000) }));
      expect(r.expire(at(29_999))).to.deep.equal([]);
      expect(r.expire(at(30_000))).to.deep.equal([
        { key: 'c1|+447700900001|+15005550199', text: 'one two four', partsReceived: 3, total: 4 },
      ]);
      expect(r.size()).to.equal(0);
      expect(r.expire(at(90_000))).to.deep.equal([]);
    });

    it('keeps younger groups and expires only the old ones', () => {
      const r = createReassembler({ ttlMs: 10_000 });
      r.add(part({ key: 'old', total: 2, sequence: 1, payload: gsm('x'), receivedAt: at(0) }));
      r.add(part({ key: 'new', total: 2, sequence: 1, payload: gsm('y'), receivedAt: at(8_000) }));
      expect(r.expire(at(12_000)).map((e) => e.key)).to.deep.equal(['old']);
      expect(r.size()).to.equal(1);
      expect(
        r.add(
          part({ key: 'new', total: 2, sequence: 2, payload: gsm('z'), receivedAt: at(12_500) }),
        )?.text,
      ).to.equal('yz');
    });

    it('forgets completed groups after the ttl, so a late copy then starts a new group', () => {
      const r = createReassembler({ ttlMs: 10_000 });
      r.add(part({ total: 2, sequence: 1, payload: gsm('ab') }));
      r.add(part({ total: 2, sequence: 2, payload: gsm('cd') }));
      r.expire(at(10_000));
      expect(
        r.add(part({ total: 2, sequence: 2, payload: gsm('cd'), receivedAt: at(11_000) })),
      ).to.equal(null);
      expect(r.size()).to.equal(1);
    });
  });

  describe('with parts made by encodeMessage', () => {
    it('rebuilds any message from its parts in any order, with duplicates', () => {
      const text = fc.string({
        unit: fc.constantFrom('a', '€', ' ', 'ж', '😀', '\n'),
        minLength: 100,
        maxLength: 600,
      });
      fc.assert(
        fc.property(text, fc.integer({ min: 0, max: 255 }), fc.nat(), (body, reference, seed) => {
          const { segments } = encodeMessage(body, reference);
          if (segments.length < 2) return;
          const parts = segments.map((segment): MoPart => {
            const { concat, payload } = parseUdh(segment.shortMessage);
            return {
              key: 'k',
              ...concat!,
              dataCoding: segment.dataCoding,
              payload,
              receivedAt: T0,
            };
          });
          const shuffled = [...parts, parts[seed % parts.length]].sort(
            (a, b) => ((a.sequence * 7919 + seed) % 13) - ((b.sequence * 7919 + seed) % 13),
          );
          const r = createReassembler({ ttlMs: 1_000 });
          const results = shuffled.map((p) => r.add(p)).filter((x) => x !== null);
          expect(results).to.deep.equal([
            { text: body, dataCoding: segments[0].dataCoding, parts: segments.length },
          ]);
        }),
      );
    });
  });
});
