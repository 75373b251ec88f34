import { expect } from 'chai';
import { createIdSpellings } from '../../src/messaging/cross-base-ids.js';
import { createSilentLogger } from '../../src/platform/index.js';

describe('createIdSpellings', () => {
  it('reads an account both ways only after three cross-base matches, not one coincidence', () => {
    const spellings = createIdSpellings({ logger: createSilentLogger() });
    expect(spellings.of('smsc-a', '16')).to.deep.equal(['16']);
    spellings.learn('smsc-a');
    spellings.learn('smsc-a');
    expect(spellings.of('smsc-a', '16')).to.deep.equal(['16']);
    spellings.learn('smsc-a');
    expect(spellings.of('smsc-a', '16')).to.deep.equal(['16', '10', '22']);
    expect(spellings.of('smsc-b', '16'), 'per account').to.deep.equal(['16']);
  });
});
