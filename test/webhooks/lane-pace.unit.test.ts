import { expect } from 'chai';
import { expectedAttemptMs } from '../../src/webhooks/lane-pace.js';

describe('expectedAttemptMs', () => {
  const now = 100_000;

  it("is the endpoint's typical duration while nothing is in flight", () => {
    expect(expectedAttemptMs(40, [], now)).to.equal(40);
  });

  it('ignores one slow attempt among fresh ones, so a healthy backlog is not paced out', () => {
    expect(expectedAttemptMs(40, [now - 3_000, now - 20, now - 5], now)).to.equal(40);
  });

  it('takes the age of the oldest when every attempt in flight is past a second', () => {
    expect(expectedAttemptMs(40, [now - 3_000, now - 1_500], now)).to.equal(3_000);
  });

  it('is never below a millisecond', () => {
    expect(expectedAttemptMs(0, [], now)).to.equal(1);
  });
});
