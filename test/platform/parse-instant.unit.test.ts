import { expect } from 'chai';
import { parseInstant } from '../../src/platform/index.js';

describe('parseInstant', () => {
  it('reads RFC 3339 date-times with offsets, fractions and lower-case t and z', () => {
    expect(parseInstant('2026-12-07T00:00:00+05:30').toISOString()).to.equal(
      '2026-12-06T18:30:00.000Z',
    );
    expect(parseInstant('2026-12-07t00:00:00.123z').toISOString()).to.equal(
      '2026-12-07T00:00:00.123Z',
    );
  });

  it('reads a leap second as the second after :59, as PostgreSQL does', () => {
    expect(parseInstant('2026-12-31T23:59:60Z').toISOString()).to.equal('2027-01-01T00:00:00.000Z');
    expect(parseInstant('2026-06-30T23:59:60.5+00:00').toISOString()).to.equal(
      '2026-07-01T00:00:00.500Z',
    );
  });

  it('reads the zones the contract also accepts: +hh and +hhmm, with a leap second too', () => {
    expect(parseInstant('2024-01-01T00:00:00+00').toISOString()).to.equal(
      '2024-01-01T00:00:00.000Z',
    );
    expect(parseInstant('2024-01-01T05:30:00+0530').toISOString()).to.equal(
      '2024-01-01T00:00:00.000Z',
    );
    expect(parseInstant('2016-12-31T23:59:60+0000').toISOString()).to.equal(
      '2017-01-01T00:00:00.000Z',
    );
    expect(parseInstant('2016-12-31T18:59:60-0500').toISOString()).to.equal(
      '2017-01-01T00:00:00.000Z',
    );
  });

  it('refuses text it cannot read with a 400, never an Invalid Date', () => {
    expect(() => parseInstant('2024-02-30T25:61:00Z'))
      .to.throw()
      .with.property('status', 400);
  });
});
