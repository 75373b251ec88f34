import { expect } from 'chai';
import fc from 'fast-check';
import {
  DEFAULT_RETRY_DELAYS_SEC,
  maxAttemptsOf,
  nextRetryDelayMs,
  parseRetryDelays,
} from '../../src/webhooks/retry-schedule.js';

const DAY_SEC = 24 * 3600;

describe('DEFAULT_RETRY_DELAYS_SEC', () => {
  it('gives at least 8 attempts spanning more than 24 h even when jittered short', () => {
    expect(maxAttemptsOf(DEFAULT_RETRY_DELAYS_SEC)).to.be.at.least(8);
    const total = DEFAULT_RETRY_DELAYS_SEC.reduce((sum, delay) => sum + delay, 0);
    expect(total).to.equal(167_765);
    expect(total * 0.8).to.be.greaterThan(DAY_SEC);
  });

  it('grows from one delay to the next', () => {
    for (let i = 1; i < DEFAULT_RETRY_DELAYS_SEC.length; i += 1) {
      expect(DEFAULT_RETRY_DELAYS_SEC[i]).to.be.greaterThan(DEFAULT_RETRY_DELAYS_SEC[i - 1]);
    }
  });
});

describe('parseRetryDelays', () => {
  it('uses the default schedule when unset or blank', () => {
    expect(parseRetryDelays(undefined)).to.deep.equal([...DEFAULT_RETRY_DELAYS_SEC]);
    expect(parseRetryDelays('  ')).to.deep.equal([...DEFAULT_RETRY_DELAYS_SEC]);
  });

  it('reads comma-separated seconds, spaces allowed', () => {
    expect(parseRetryDelays('5, 60,300')).to.deep.equal([5, 60, 300]);
  });

  it('accepts fractional seconds for tests', () => {
    expect(parseRetryDelays('0.05,0.05,0.1')).to.deep.equal([0.05, 0.05, 0.1]);
  });

  for (const bad of ['5,,60', 'abc', '-5', '0', '5;60', '1e3', '5,60,', 'Infinity']) {
    it(`throws an error naming WEBHOOK_RETRY_DELAYS for "${bad}"`, () => {
      expect(() => parseRetryDelays(bad)).to.throw(Error, /WEBHOOK_RETRY_DELAYS/);
    });
  }

  it('says which entry is wrong', () => {
    expect(() => parseRetryDelays('5,x,60')).to.throw(/entry 2 is "x"/);
  });
});

describe('nextRetryDelayMs', () => {
  const delays = [5, 60, 300];

  it('waits the scheduled delay after each attempt when the jitter is centred', () => {
    expect(nextRetryDelayMs(1, delays, () => 0.5)).to.equal(5000);
    expect(nextRetryDelayMs(2, delays, () => 0.5)).to.equal(60_000);
    expect(nextRetryDelayMs(3, delays, () => 0.5)).to.equal(300_000);
  });

  it('jitters by at most 20 % either way', () => {
    expect(nextRetryDelayMs(2, delays, () => 0)).to.equal(48_000);
    expect(nextRetryDelayMs(2, delays, () => 0.999999)).to.be.closeTo(72_000, 1);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const delay = nextRetryDelayMs(n, delays, () => r)!;
          const base = delays[n - 1] * 1000;
          return delay >= base * 0.8 && delay <= base * 1.2;
        },
      ),
    );
  });

  it('returns null once the schedule is used up', () => {
    expect(nextRetryDelayMs(4, delays, () => 0.5)).to.equal(null);
    expect(nextRetryDelayMs(40, delays, () => 0.5)).to.equal(null);
    expect(maxAttemptsOf(delays)).to.equal(4);
  });

  it('handles fractional test schedules in milliseconds', () => {
    expect(nextRetryDelayMs(1, [0.05], () => 0.5)).to.equal(50);
  });

  it('rejects an attempt count below 1', () => {
    expect(() => nextRetryDelayMs(0, delays, Math.random)).to.throw(RangeError);
    expect(() => nextRetryDelayMs(1.5, delays, Math.random)).to.throw(RangeError);
  });
});
