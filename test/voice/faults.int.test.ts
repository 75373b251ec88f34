import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { createPbxSimulator, type PbxSimulator } from '../../src/connectors/index.js';
import { createSilentLogger } from '../../src/platform/index.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';
import { uniqueNumber, GATHER_THEN_BYE, callInStatus, type Api } from './voice-fixtures.js';

interface Entry {
  type: string;
  status?: string;
  step?: string;
  outcome?: string;
}

/**
 * Faults from the PBX side, against a PBX simulator the test owns (ARI_URL points at it), so
 * the test can cut the event WebSocket, hang up far ends and keep calls across a restart.
 */
describe('voice faults (ARI)', function () {
  this.timeout(30_000);
  let pbx: PbxSimulator;
  let ariUrl: string;
  let app: TestApp;
  let api: Api;
  let apiKey: string;
  let from: string;

  async function place(flow: unknown): Promise<string> {
    const res = await api('POST', '/v1/calls', { body: { to: '+14155550100', from, flow } });
    expect(res.status).to.equal(201);
    return res.body.id as string;
  }

  const statusOf = (callId: string, wanted: string) => callInStatus(api, callId, wanted);

  async function timeline(callId: string): Promise<Entry[]> {
    return (await api<{ data: Entry[] }>('GET', `/v1/calls/${callId}/events`)).body.data;
  }

  /** Waits until the caller's channel is busy with media (a prompt or a recording). */
  function mediaRunning(callId: string) {
    return eventually(async () => {
      const channel = pbx.channels().find((c) => c.id === callId);
      return channel?.media ? channel : undefined;
    }, 5000);
  }

  before(async () => {
    pbx = createPbxSimulator({
      logger: createSilentLogger(),
      username: 'ari',
      password: 'secret',
      timing: { soundMs: 1500, ringMs: 10, answerMs: 10 },
    });
    ariUrl = (await pbx.start()).url;
    app = await startApp({ env: { ARI_URL: ariUrl } });
    apiKey = (await createTestProject(app, 'faults')).apiKey;
    api = clientFor(app.url, apiKey);
    from = uniqueNumber();
    await api('POST', '/v1/numbers', { body: { number: from } });
  });
  after(async () => {
    await app.stop();
    await pbx.stop();
  });

  it('keeps a call going when the ARI WebSocket drops mid-call', async () => {
    const callId = await place(GATHER_THEN_BYE);
    await statusOf(callId, 'in-progress');
    await mediaRunning(callId);
    pbx.dropWebSockets();
    await sleep(1200);
    await pbx.sendDtmf(callId, '1');
    await statusOf(callId, 'completed');
    const steps = (await timeline(callId))
      .filter((e) => e.step)
      .map((e) => `${e.step}:${e.outcome}`);
    expect(steps).to.deep.equal(['menu:matched', 'bye:hangup']);
  });

  it('closes a call whose caller hung up while the WebSocket was down (call.channel_lost)', async () => {
    const callId = await place(GATHER_THEN_BYE);
    await statusOf(callId, 'in-progress');
    // The gather's prompt is playing: no command is in flight, so only the reconnect can find
    // the channel gone. (Hung up while the prompt's command was still on its way, that command's
    // 404 ended the call as an ordinary hang-up first, once in a CI run.)
    await mediaRunning(callId);
    pbx.dropWebSockets();
    await pbx.hangupFarEnd(callId);
    const ended = await statusOf(callId, 'completed');
    expect(ended.hangup_cause).to.equal('channel_lost');
    const entries = await timeline(callId);
    expect(entries.map((e) => e.type)).to.include('call.channel_lost');
    expect(entries.filter((e) => e.step).map((e) => `${e.step}:${e.outcome}`)).to.deep.equal([
      'menu:caller_hangup',
    ]);
  });

  it('resumes a call at its waiting step after the orchestrator restarts', async () => {
    const callId = await place(GATHER_THEN_BYE);
    await statusOf(callId, 'in-progress');
    await app.stop();
    app = await startApp({ env: { ARI_URL: ariUrl } });
    api = clientFor(app.url, apiKey);
    await mediaRunning(callId);
    await pbx.sendDtmf(callId, '1');
    await statusOf(callId, 'completed');
    const steps = (await timeline(callId)).filter((e) => e.step).map((e) => e.step);
    expect(steps).to.deep.equal(['menu', 'bye']);
  });

  describe('a call recorded as a whole (record: true) across an orchestrator restart', () => {
    const snoopOf = (callId: string) =>
      eventually(async () => pbx.channels().find((c) => c.spying === callId && c.media), 5000);

    async function recordingsOf(callId: string) {
      return eventually(async () => {
        const res = await api<{ data: { step: string | null }[] }>(
          'GET',
          `/v1/recordings?call_id=${callId}`,
        );
        return res.body.data.length > 0 ? res.body.data : undefined;
      }, 8000);
    }

    async function placeRecorded(): Promise<string> {
      const res = await api('POST', '/v1/calls', {
        body: { to: '+14155550100', from, flow: GATHER_THEN_BYE, record: true },
      });
      expect(res.status).to.equal(201);
      const callId = res.body.id as string;
      await statusOf(callId, 'in-progress');
      return callId;
    }

    it('keeps recording on the same snoop channel and stores it when the call ends', async () => {
      const callId = await placeRecorded();
      const snoop = await snoopOf(callId);
      await app.stop();
      app = await startApp({ env: { ARI_URL: ariUrl } });
      api = clientFor(app.url, apiKey);
      await mediaRunning(callId);
      expect((await snoopOf(callId)).id).to.equal(snoop.id);
      await pbx.hangupFarEnd(callId);
      await statusOf(callId, 'completed');
      expect(await recordingsOf(callId)).to.have.length(1);
    });

    it('records the rest of the call anew when its snoop channel went during the restart', async () => {
      const callId = await placeRecorded();
      const lost = await snoopOf(callId);
      await app.stop();
      await pbx.hangupFarEnd(lost.id);
      app = await startApp({ env: { ARI_URL: ariUrl } });
      api = clientFor(app.url, apiKey);
      const again = await snoopOf(callId);
      expect(again.id).to.not.equal(lost.id);
      await sleep(100);
      await pbx.sendDtmf(callId, '1');
      await statusOf(callId, 'completed');
      const recordings = await recordingsOf(callId);
      expect(recordings).to.have.length(1);
      expect(recordings[0]).to.include({ step: null });
    });
  });

  it('answers a call to a DID of no flow, says it is not in service, and hangs up', async () => {
    const { channelId } = await pbx.placeInboundCall({ from: '+14155550177', to: '+14155550998' });
    await eventually(async () =>
      pbx.channels().some((c) => c.id === channelId) ? undefined : true,
    );
    const calls = await api<{ data: unknown[] }>('GET', '/v1/calls?direction=inbound');
    expect(calls.body.data).to.deep.equal([]);
  });

  it('queues the sms of an sms step through messaging and goes on', async () => {
    const callId = await place({
      start: 'text',
      steps: {
        text: { verb: 'sms', body: 'Thanks for taking our call.', next: 'bye' },
        bye: { verb: 'hangup' },
      },
    });
    await statusOf(callId, 'completed');
    const messages = await eventually(async () => {
      const res = await api<{ data: { to: string; from: string; body: string }[] }>(
        'GET',
        '/v1/messages',
      );
      return res.body.data.find((m) => m.body === 'Thanks for taking our call.');
    });
    expect(messages).to.include({ to: '+14155550100', from });
  });

  it('notes on the timeline each sms step that messaging refused, in step order, and goes on', async () => {
    const callId = await place({
      start: 'text',
      steps: {
        text: { verb: 'sms', from: '+19999999999', body: 'Lost.', next: 'again' },
        again: { verb: 'sms', to: '{{vars.nobody}}', body: 'Lost too.', next: 'bye' },
        bye: { verb: 'hangup' },
      },
    });
    await statusOf(callId, 'completed');
    // The steps' own entries say they were handed over ('queued'); the notes say refused.
    const refusals = await eventually(async () => {
      const found = (await timeline(callId)).filter((e) => e.type === 'flow.sms_refused');
      return found.length === 2 ? found : undefined;
    }, 10_000);
    expect(
      refusals.map((e) => (e as unknown as { data: { code: string } }).data.code),
    ).to.deep.equal(['unknown_sender', 'invalid_to']);
  });

  describe('when the caller hangs up during a verb', () => {
    const verbs: Record<string, Record<string, unknown>> = {
      say: { verb: 'say', text: 'A long message.', next: 'after' },
      play: { verb: 'play', url: 'sound:hello-world', next: 'after' },
      gather: { verb: 'gather', timeout: 30, next: 'after' },
      dial: { verb: 'dial', to: '+14155550123', timeout: 10, next: 'after' },
      record: { verb: 'record', max_length: 30, beep: false, next: 'after' },
      pause: { verb: 'pause', seconds: 30, next: 'after' },
    };
    for (const [verb, step] of Object.entries(verbs)) {
      it(`ends the flow at ${verb}: completed, caller_hangup, nothing left on the PBX`, async () => {
        const flow = {
          start: 'v',
          steps: { v: step, after: { verb: 'say', text: 'Never heard.' } },
        };
        const callId = await place(flow);
        await statusOf(callId, 'in-progress');
        await sleep(300);
        await pbx.hangupFarEnd(callId);
        const ended = await statusOf(callId, 'completed');
        expect(ended.hangup_cause).to.equal('normal_clearing');
        const steps = (await timeline(callId)).filter((e) => e.step);
        // ARI finishes playbacks and recordings on hang-up, after ChannelHangupRequest and
        // before ChannelDestroyed: the step the caller left still ends caller_hangup, and no
        // step after it runs.
        expect(steps.map((e) => `${e.step}:${e.outcome}`)).to.deep.equal(['v:caller_hangup']);
        if (verb === 'record') {
          const recordings = await api('GET', `/v1/recordings?call_id=${callId}`);
          expect(recordings.body.data, 'the message left before hanging up is kept').to.have.length(
            1,
          );
        }
        await eventually(async () =>
          pbx.channels().some((c) => c.id.startsWith(callId)) ? undefined : true,
        );
      });
    }
  });
});
