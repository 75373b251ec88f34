import { expect } from 'chai';
import { computeBackoffDelay } from '../../../src/connectors/smpp/backoff.js';

const policy = { initialMs: 200, maxMs: 30_000 };

describe('computeBackoffDelay', () => {
  it('doubles per attempt within the upper half of the ceiling', () => {
    expect(computeBackoffDelay(1, policy, () => 0)).to.equal(100);
    expect(computeBackoffDelay(1, policy, () => 1)).to.equal(200);
    expect(computeBackoffDelay(3, policy, () => 1)).to.equal(800);
  });

  it('never exceeds the maximum, however many attempts failed', () => {
    expect(computeBackoffDelay(1_000, policy, () => 1)).to.equal(30_000);
    expect(computeBackoffDelay(1_000, policy, () => 0)).to.equal(15_000);
  });
});
