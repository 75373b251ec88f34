import { expect } from 'chai';
import { computeReconnectDelay } from '../../../src/connectors/ari/reconnect-delay.js';

const policy = { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 };

describe('computeReconnectDelay', () => {
  it('doubles from the initial delay and stops growing at the ceiling', () => {
    const delays = [0, 1, 2, 3, 4, 5, 50].map((attempt) =>
      computeReconnectDelay(attempt, policy, () => 0),
    );
    expect(delays).to.deep.equal([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('takes off at most the jitter share at random', () => {
    expect(computeReconnectDelay(3, policy, () => 0.999999)).to.equal(400);
    expect(computeReconnectDelay(3, policy, () => 0.5)).to.equal(600);
    expect(computeReconnectDelay(3, { ...policy, jitter: 0 }, () => 0.9)).to.equal(800);
  });
});
