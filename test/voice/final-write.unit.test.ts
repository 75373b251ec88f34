import { expect } from 'chai';
import { createSilentLogger } from '../../src/platform/index.js';
import { writeUntilDone } from '../../src/voice/orchestrator/final-write.js';

describe('writeUntilDone', () => {
  const logger = createSilentLogger();

  it('retries a failing write until it succeeds', async () => {
    let calls = 0;
    const written = await writeUntilDone(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('database blip');
      },
      { logger, callId: 'call_1', delays: [1, 1, 1] },
    );
    expect(written).to.equal(true);
    expect(calls).to.equal(3);
  });

  it('gives up after the last pause and says so', async () => {
    let calls = 0;
    const written = await writeUntilDone(
      async () => {
        calls += 1;
        throw new Error('database down');
      },
      { logger, callId: 'call_2', delays: [1, 1] },
    );
    expect(written).to.equal(false);
    expect(calls).to.equal(3);
  });
});
