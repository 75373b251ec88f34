import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAriMediaControl } from '../../../src/connectors/ari/create-ari-media-control.js';
import type { MediaControl } from '../../../src/connectors/ari/media-control.js';
import {
  createPbxSimulator,
  type PbxSimulator,
} from '../../../src/connectors/sandbox/pbx/index.js';
import { AppError, createSilentLogger } from '../../../src/platform/index.js';
import { recordEvents, type EventRecorder } from './event-recorder.js';

const RECONNECT = { initialDelayMs: 5, maxDelayMs: 30, jitter: 0.5 };

async function waitUntil(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('createAriMediaControl reconnection', () => {
  let pbx: PbxSimulator;
  let media: MediaControl;
  let recorder: EventRecorder;
  let attempts = 0;
  let url: string;

  beforeEach(async () => {
    attempts = 0;
    pbx = createPbxSimulator({
      logger: createSilentLogger(),
      username: 'ari',
      password: 'pw',
      timing: { ringMs: 5, answerMs: 5 },
    });
    ({ url } = await pbx.start());
    media = createAriMediaControl(
      { url, app: 'trunkline', reconnect: RECONNECT, heartbeatMs: 40, requestTimeoutMs: 500 },
      {
        logger: createSilentLogger(),
        random: () => {
          attempts += 1;
          return 0.5;
        },
      },
    );
    recorder = recordEvents(media);
    await recorder.waitFor('connection', (event) => event.up);
  });

  afterEach(async () => {
    recorder.stop();
    await media.close();
    await pbx.stop();
  });

  async function expectInboundCallsFlow(): Promise<void> {
    const { channelId } = await pbx.placeInboundCall({ from: '+14155550111', to: '+14155550199' });
    await recorder.waitFor('stasis_start', (event) => event.channelId === channelId);
  }

  it('stays connected across heartbeats', async () => {
    await sleep(150);
    expect(media.ready).to.equal(true);
    expect(recorder.events.filter((event) => event.type === 'connection')).to.have.length(1);
  });

  it('reports the drop, reconnects, and events flow again', async () => {
    recorder.clear();
    pbx.dropWebSockets();
    await recorder.waitFor('connection', (event) => !event.up);
    expect(media.ready).to.equal(false);
    await recorder.waitFor('connection', (event) => event.up);
    expect(media.ready).to.equal(true);
    await expectInboundCallsFlow();
  });

  it('keeps trying past ten failed attempts and recovers when the PBX returns', async () => {
    const { channelId } = await pbx.placeInboundCall({ from: '+1', to: '+2' });
    recorder.clear();
    await pbx.stop();
    await recorder.waitFor('connection', (event) => !event.up);
    await waitUntil(() => attempts > 12);
    expect(media.ready).to.equal(false);

    const error = await media.answer(channelId).catch((err: unknown) => err);
    expect(error).to.be.instanceOf(AppError).and.include({
      status: 502,
      code: 'ari_unavailable',
      retryable: true,
    });

    await pbx.start();
    await recorder.waitFor('connection', (event) => event.up);
    expect(await media.listChannels()).to.deep.equal([]);
    await expectInboundCallsFlow();
  });

  it('stops reconnecting once closed', async () => {
    await pbx.stop();
    await waitUntil(() => attempts > 2);
    await media.close();
    const frozen = attempts;
    await sleep(100);
    expect(attempts).to.equal(frozen);
  });

  it('keeps retrying with bad credentials without crashing, and REST says ari_unauthorized', async () => {
    const wrong = url.replace('ari:pw@', 'ari:wrong@');
    let badAttempts = 0;
    const bad = createAriMediaControl(
      { url: wrong, app: 'trunkline', reconnect: RECONNECT },
      { logger: createSilentLogger(), random: () => (badAttempts += 1) && 0.5 },
    );
    try {
      await waitUntil(() => badAttempts > 3);
      expect(bad.ready).to.equal(false);
      const error = await bad.listChannels().catch((err: unknown) => err);
      expect(error).to.be.instanceOf(AppError).and.include({ code: 'ari_unauthorized' });
    } finally {
      await bad.close();
    }
  });
});
