import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { createSilentLogger } from '../../src/platform/index.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/index.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';
import { exampleFlow, uniqueNumber } from './voice-fixtures.js';

type Api = ReturnType<typeof clientFor>;
interface Entry {
  type: string;
  status?: string;
  step?: string;
  outcome?: string;
  input?: string;
}

/** Resolves with the call's timeline once `until` holds for it. */
function timelineWhen(api: Api, callId: string, until: (entries: Entry[]) => boolean) {
  return eventually(async () => {
    const res = await api<{ data: Entry[] }>('GET', `/v1/calls/${callId}/events`);
    return until(res.body.data) ? res.body.data : undefined;
  }, 8000);
}

const stepsOf = (entries: Entry[]) =>
  entries.filter((e) => e.type === 'call.step').map((e) => `${e.step}:${e.outcome}`);

describe('IVR end to end (sandbox PBX)', () => {
  let app: TestApp;
  let api: Api;
  let receiver: WebhookReceiver;
  let from: string;
  let flowId: string;

  before(async () => {
    app = await startApp();
    const project = await createTestProject(app, 'ivr');
    api = clientFor(app.url, project.apiKey);
    receiver = createWebhookReceiver({
      secret: project.webhookSecret,
      logger: createSilentLogger(),
    });
    const { url } = await receiver.start();
    await app.runtime.services.accounts.updateProject(project.id, { webhook_url: url });
    flowId = (
      await api('POST', '/v1/flows', { body: { name: 'ivr', definition: exampleFlow('ivr-menu') } })
    ).body.id as string;
    from = uniqueNumber();
    expect(
      (await api('POST', '/v1/numbers', { body: { number: from, voice_flow_id: flowId } })).status,
    ).to.equal(201);
  });
  after(async () => {
    await receiver.stop();
    await app.stop();
  });

  it('places a call, takes 2 for voicemail, records until #, and matches the simulation', async () => {
    const created = await api('POST', '/v1/calls', {
      body: { to: '+14155550100', from, flow_id: flowId },
    });
    expect(created.status).to.equal(201);
    expect(created.body).to.include({ status: 'queued', direction: 'outbound', flow_version: 1 });
    const callId = created.body.id as string;

    await timelineWhen(api, callId, (e) => e.some((x) => x.step === 'welcome'));
    expect(
      (await api('POST', `/sandbox/v1/calls/${callId}/dtmf`, { body: { digits: '2' } })).status,
    ).to.equal(202);
    await timelineWhen(api, callId, (e) => e.some((x) => x.step === 'menu'));
    await sleep(300);
    await api('POST', `/sandbox/v1/calls/${callId}/dtmf`, { body: { digits: '#' } });
    const timeline = await timelineWhen(api, callId, (e) =>
      e.some((x) => x.status === 'completed'),
    );

    expect(timeline.filter((e) => e.status).map((e) => e.status)).to.deep.equal([
      'queued',
      'initiated',
      'ringing',
      'in-progress',
      'completed',
    ]);
    const steps = stepsOf(timeline);
    expect(steps).to.deep.equal([
      'welcome:played',
      'menu:matched',
      'voicemail:recorded',
      'goodbye:played',
      'end:hangup',
    ]);
    expect(timeline.find((e) => e.step === 'menu')?.input).to.equal('2');
    expect(timeline.find((e) => e.step === 'voicemail')?.input).to.equal('#');

    const call = await api('GET', `/v1/calls/${callId}`);
    expect(call.body).to.include({ status: 'completed', hangup_cause: 'normal_clearing' });
    expect(call.body.duration).to.be.a('number');

    const simulated = await api('POST', `/v1/flows/${flowId}/simulate`, {
      body: { inputs: ['2', '#'] },
    });
    const simulatedSteps = (simulated.body.transcript as Entry[]).map(
      (e) => `${e.step}:${e.outcome}`,
    );
    expect(simulatedSteps).to.deep.equal(steps);

    const recordings = await api<{ data: { id: string; call_id: string }[] }>(
      'GET',
      `/v1/recordings?call_id=${callId}`,
    );
    expect(recordings.body.data).to.have.length(1);
    const recording = await api('GET', `/v1/recordings/${recordings.body.data[0].id}`);
    expect(recording.body).to.include({ call_id: callId, content_type: 'audio/wav' });
    const audio = await fetch(recording.body.media_url as string);
    expect(audio.status).to.equal(200);
    expect(Buffer.from(await audio.arrayBuffer()).toString('ascii', 0, 4)).to.equal('RIFF');

    const types = [
      'call.initiated',
      'call.ringing',
      'call.answered',
      'recording.completed',
      'call.completed',
    ];
    for (const type of types) {
      const got = await receiver.waitFor(
        (e) => e.type === type && (e.data as { call_id?: string; id?: string }).id !== undefined,
        5000,
      );
      expect(got.verified, type).to.equal(true);
    }
    const forCall = receiver.events.filter(
      (e) =>
        (e.data as { id?: string; call_id?: string }).id === callId ||
        (e.data as { call_id?: string }).call_id === callId,
    );
    expect(forCall.map((e) => e.type)).to.include.members(types);
  });

  describe('a record step', () => {
    /** A call whose flow records at once; resolves with its id once the recording runs. */
    async function recording(finishOnKey: string, maxLength: number): Promise<string> {
      const created = await api('POST', '/v1/calls', {
        body: {
          to: '+14155550100',
          from,
          flow: {
            start: 'vm',
            steps: {
              vm: {
                verb: 'record',
                finish_on_key: finishOnKey,
                max_length: maxLength,
                beep: false,
                next: 'end',
              },
              end: { verb: 'hangup' },
            },
          },
        },
      });
      const callId = created.body.id as string;
      await timelineWhen(api, callId, (e) => e.some((x) => x.status === 'in-progress'));
      await sleep(200);
      return callId;
    }
    const press = (callId: string, digits: string) =>
      api('POST', `/sandbox/v1/calls/${callId}/dtmf`, { body: { digits } });

    it('with a digit finish_on_key goes on through other keys and stops on that digit', async () => {
      const callId = await recording('5', 20);
      await press(callId, '3');
      await sleep(300);
      expect(stepsOf(await timelineWhen(api, callId, () => true))).to.deep.equal([]);
      await press(callId, '5');
      const timeline = await timelineWhen(api, callId, (e) => e.some((x) => x.step === 'vm'));
      expect(timeline.find((e) => e.step === 'vm')).to.include({ outcome: 'recorded', input: '5' });
    });

    it('reports no key when it stops at max_length, whatever keys were pressed', async () => {
      const callId = await recording('#', 1);
      await press(callId, '1');
      const timeline = await timelineWhen(api, callId, (e) => e.some((x) => x.step === 'vm'));
      const step = timeline.find((e) => e.step === 'vm');
      expect(step).to.include({ outcome: 'recorded' });
      expect(step?.input ?? '').to.equal('');
    });
  });

  it('takes an inbound call to the number through the sandbox, then the caller hangs up', async () => {
    const placed = await api('POST', '/sandbox/v1/calls', {
      body: { from: '+14155550177', to: from },
    });
    expect(placed.status).to.equal(202);
    const callId = placed.body.call_id as string;
    await timelineWhen(api, callId, (e) => e.some((x) => x.step === 'welcome'));
    const call = await api('GET', `/v1/calls/${callId}`);
    expect(call.body).to.include({
      direction: 'inbound',
      status: 'in-progress',
      from: '+14155550177',
      to: from,
    });
    expect((await api('POST', `/sandbox/v1/calls/${callId}/hangup`)).status).to.equal(202);
    const timeline = await timelineWhen(api, callId, (e) =>
      e.some((x) => x.status === 'completed'),
    );
    expect(stepsOf(timeline)).to.deep.equal(['welcome:played', 'menu:caller_hangup']);
  });
});
