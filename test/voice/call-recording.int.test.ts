import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { PbxSimulator } from '../../src/connectors/index.js';
import { createSilentLogger } from '../../src/platform/index.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/index.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';
import { SAY_AND_END, uniqueNumber, callInStatus, type Api } from './voice-fixtures.js';

interface Recording {
  id: string;
  call_id: string;
  step: string | null;
  status: string;
  duration: number;
  content_type: string;
  size: number;
  media_url?: string;
}
interface Entry {
  type: string;
  status?: string;
  step?: string;
  outcome?: string;
}

/** Waits for a key that never comes, so the call lasts until someone hangs up. */
const WAIT_FOR_KEY = {
  start: 'menu',
  steps: {
    menu: { verb: 'gather', timeout: 30, branches: { '1': 'bye' } },
    bye: { verb: 'hangup' },
  },
};

/** Dials a number that answers; the conversation is recorded; then goodbye. */
function recordedDial(record: boolean) {
  return {
    start: 'connect',
    steps: {
      connect: { verb: 'dial', to: '+14155550123', timeout: 20, record, next: 'bye' },
      bye: { verb: 'say', text: 'Bye.', next: 'end' },
      end: { verb: 'hangup' },
    },
  };
}

describe('recording calls (record: true, sandbox PBX)', function () {
  this.timeout(30_000);
  let app: TestApp;
  let api: Api;
  let pbx: PbxSimulator;
  let receiver: WebhookReceiver;
  let from: string;

  before(async () => {
    app = await startApp();
    const project = await createTestProject(app, 'call-recording');
    api = clientFor(app.url, project.apiKey);
    pbx = app.runtime.services.sandboxPbx()!;
    receiver = createWebhookReceiver({
      secret: project.webhookSecret,
      logger: createSilentLogger(),
    });
    const { url } = await receiver.start();
    await app.runtime.services.accounts.updateProject(project.id, { webhook_url: url });
    from = uniqueNumber();
    expect((await api('POST', '/v1/numbers', { body: { number: from } })).status).to.equal(201);
  });
  after(async () => {
    await receiver.stop();
    await app.stop();
  });

  async function place(flow: unknown, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await api('POST', '/v1/calls', {
      body: { to: '+14155550100', from, flow, ...extra },
    });
    expect(res.status).to.equal(201);
    return res.body.id as string;
  }

  const statusOf = (callId: string, wanted: string) => callInStatus(api, callId, wanted);

  async function recordingsOf(callId: string): Promise<Recording[]> {
    const res = await api<{ data: Recording[] }>('GET', `/v1/recordings?call_id=${callId}`);
    return res.body.data;
  }

  /** The call's recordings once there are `count`, each read with its media_url. */
  async function storedRecordings(callId: string, count: number): Promise<Recording[]> {
    const listed = await eventually(async () => {
      const data = await recordingsOf(callId);
      return data.length >= count ? data : undefined;
    }, 8000);
    expect(listed).to.have.length(count);
    return Promise.all(
      listed.map(async (r) => (await api<Recording>('GET', `/v1/recordings/${r.id}`)).body),
    );
  }

  async function downloadWav(recording: Recording): Promise<Buffer> {
    const response = await fetch(recording.media_url!);
    expect(response.status).to.equal(200);
    const audio = Buffer.from(await response.arrayBuffer());
    expect(audio.toString('ascii', 0, 4)).to.equal('RIFF');
    expect(audio.toString('ascii', 8, 12)).to.equal('WAVE');
    return audio;
  }

  function timelineWith(callId: string, type: string) {
    return eventually(async () => {
      const res = await api<{ data: Entry[] }>('GET', `/v1/calls/${callId}/events`);
      return res.body.data.some((e) => e.type === type) ? res.body.data : undefined;
    }, 8000);
  }

  function nothingLeftOnPbx(callId: string) {
    return eventually(async () =>
      pbx.channels().some((c) => c.id.startsWith(callId)) ? undefined : true,
    );
  }

  describe('a call placed with record: true', () => {
    it('records both directions from the answer until the caller hangs up, as one WAV', async () => {
      const callId = await place(WAIT_FOR_KEY, { record: true });
      await statusOf(callId, 'in-progress');
      const snoop = await eventually(async () =>
        pbx.channels().find((c) => c.spying === callId && c.media !== undefined),
      );
      expect(snoop.id).to.match(new RegExp(`^${callId}\\.s\\d+$`));
      await sleep(200);
      expect((await api('POST', `/sandbox/v1/calls/${callId}/hangup`)).status).to.equal(202);
      await statusOf(callId, 'completed');

      const [recording] = await storedRecordings(callId, 1);
      expect(recording).to.include({
        call_id: callId,
        step: null,
        status: 'completed',
        content_type: 'audio/wav',
      });
      const audio = await downloadWav(recording);
      expect(audio.length).to.equal(recording.size).and.to.be.above(44);

      const timeline = await timelineWith(callId, 'recording.completed');
      const types = timeline.map((e) => e.type);
      expect(types.filter((t) => t === 'recording.completed')).to.have.length(1);
      expect(timeline.filter((e) => e.step).map((e) => `${e.step}:${e.outcome}`)).to.deep.equal([
        'menu:caller_hangup',
      ]);
      const hook = await receiver.waitFor(
        (e) =>
          e.type === 'recording.completed' && (e.data as { call_id?: string }).call_id === callId,
        5000,
      );
      expect(hook.verified).to.equal(true);
      expect(hook.data).to.include({ id: recording.id, step: null });
      await nothingLeftOnPbx(callId);
    });

    it('never takes the snoop channel entering the app for another (inbound) call', async () => {
      const callId = await place(WAIT_FOR_KEY, { record: true });
      await statusOf(callId, 'in-progress');
      await eventually(async () => pbx.channels().find((c) => c.spying === callId));
      await sleep(200);
      const inbound = await api<{ data: unknown[] }>('GET', '/v1/calls?direction=inbound');
      expect(inbound.body.data).to.deep.equal([]);
      const live = await api<{ data: { id: string }[] }>('GET', '/v1/calls?status=in-progress');
      expect(live.body.data.map((c) => c.id)).to.deep.equal([callId]);
      await api('POST', `/sandbox/v1/calls/${callId}/dtmf`, { body: { digits: '1' } });
      await statusOf(callId, 'completed');
      await storedRecordings(callId, 1);
      await nothingLeftOnPbx(callId);
    });
  });

  describe('a dial step with record: true', () => {
    it('records the bridge from the answer until the leg hangs up, for the dial step', async () => {
      const callId = await place(recordedDial(true));
      const leg = await eventually(async () =>
        pbx.channels().find((c) => c.id.startsWith(`${callId}.d`) && c.bridgeId),
      );
      await sleep(200);
      await pbx.hangupFarEnd(leg.id);
      await statusOf(callId, 'completed');
      const timeline = await timelineWith(callId, 'recording.completed');
      expect(timeline.filter((e) => e.step).map((e) => `${e.step}:${e.outcome}`)).to.deep.equal([
        'connect:completed',
        'bye:played',
        'end:hangup',
      ]);
      const [recording] = await storedRecordings(callId, 1);
      expect(recording).to.include({ call_id: callId, step: 'connect', content_type: 'audio/wav' });
      await downloadWav(recording);
      expect(pbx.channels().some((c) => c.spying === callId)).to.equal(false);
      await nothingLeftOnPbx(callId);
    });

    it('keeps both a whole-call and a dial recording when both are asked for', async () => {
      const callId = await place(recordedDial(true), { record: true });
      const leg = await eventually(async () =>
        pbx.channels().find((c) => c.id.startsWith(`${callId}.d`) && c.bridgeId),
      );
      await sleep(100);
      await pbx.hangupFarEnd(leg.id);
      await statusOf(callId, 'completed');
      const recordings = await storedRecordings(callId, 2);
      expect(recordings.map((r) => r.step).sort()).to.deep.equal(['connect', null]);
      for (const recording of recordings) await downloadWav(recording);
    });
  });

  describe('without record (the default)', () => {
    it('records nothing: no snoop channel, no bridge recording, no recording.completed', async () => {
      const plain = await place(SAY_AND_END);
      const dialled = await place(recordedDial(false));
      await statusOf(plain, 'completed');
      const leg = await eventually(async () =>
        pbx.channels().find((c) => c.id.startsWith(`${dialled}.d`) && c.bridgeId),
      );
      expect(pbx.channels().some((c) => c.spying === dialled)).to.equal(false);
      await pbx.hangupFarEnd(leg.id);
      await statusOf(dialled, 'completed');
      await sleep(300);
      for (const callId of [plain, dialled]) {
        expect(await recordingsOf(callId), callId).to.deep.equal([]);
        const events = await api<{ data: Entry[] }>('GET', `/v1/calls/${callId}/events`);
        expect(events.body.data.map((e) => e.type)).not.to.include('recording.completed');
      }
    });
  });
});
