import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createSilentLogger } from '../../src/platform/index.js';
import { HANGUP_JOB, ORIGINATE_JOB } from '../../src/voice/calls.service.js';
import type { Orchestrator } from '../../src/voice/orchestrator/orchestrator.js';
import type { TestApp } from '../support/harness.js';
import { eventually } from '../support/http.js';
import { createFakeMedia, createTestOrchestrator } from './fake-pbx.js';
import { useFakePbx, type FakePbxKit } from './orchestrator-kit.js';
import { uniqueNumber, callInStatus, type Api } from './voice-fixtures.js';
import { withTrigger } from '../support/triggers.js';

/**
 * The orchestrator on a fake PBX (real Postgres, real stores), for what a real PBX cannot be
 * made to do on cue: answer 404 for a channel that has just hung up. Also the `webhook` verb
 * against a real HTTP server, which needs private addresses allowed.
 */
describe('call orchestrator (fake PBX)', () => {
  const kit = useFakePbx();
  const { callIn, stepsOf } = kit;
  let app: TestApp;
  let api: Api;
  let orchestrator: Orchestrator;
  let fake: FakePbxKit['fake'];
  let hook: Server;
  let hookUrl: string;
  let answerHook: (req: IncomingMessage, res: ServerResponse, body: string) => void;

  before(async () => {
    ({ app, api, orchestrator } = kit);
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => answerHook(req, res, body));
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/flow`;
  });
  beforeEach(() => {
    fake = kit.fake;
  });
  after(async () => {
    hook.closeAllConnections();
    await new Promise((resolve) => hook.close(resolve));
  });

  it('ends the call as a hang-up when ARI answers 404 for a channel that just hung up', async () => {
    fake.gone.add('chan-gone');
    const callId = await callIn(
      { start: 'hello', steps: { hello: { verb: 'say', text: 'Hi.' } } },
      'chan-gone',
    );
    expect(await stepsOf(callId, 'completed')).to.deep.equal(['hello:caller_hangup']);
  });

  it('ends the call with media_error, and says so on its timeline, when a play fails', async () => {
    fake.failing.add('chan-broken');
    const callId = await callIn(
      {
        start: 'hello',
        steps: { hello: { verb: 'say', text: 'Hi.', next: 'bye' }, bye: { verb: 'hangup' } },
      },
      'chan-broken',
    );
    expect(await stepsOf(callId, 'completed')).to.deep.equal(['hello:media_error']);
    const call = await api<{ hangup_cause: string }>('GET', `/v1/calls/${callId}`);
    expect(call.body.hangup_cause).to.equal('media_error');
    expect(fake.hangups).to.include('chan-broken');
  });

  it('asks the app at a webhook step and follows its answer', async () => {
    let asked: Record<string, unknown> = {};
    answerHook = (_req, res, body) => {
      asked = JSON.parse(body) as Record<string, unknown>;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ variables: { name: 'Ada' }, next: 'greet' }));
    };
    const callId = await callIn(
      {
        start: 'ask',
        steps: {
          ask: { verb: 'webhook', url: hookUrl, next: 'bye' },
          greet: { verb: 'say', text: 'Hello {{vars.name}}.', next: 'bye' },
          bye: { verb: 'hangup' },
        },
      },
      'chan-hook',
    );
    const play = await eventually(async () => fake.plays.find((p) => p.channelId === 'chan-hook'));
    expect(asked).to.deep.include({ step: 'ask' });
    expect((asked.call as { id: string }).id).to.equal(callId);
    fake.emit({ type: 'playback_finished', playbackId: play.playbackId, channelId: 'chan-hook' });
    await eventually(async () => (fake.hangups.includes('chan-hook') ? true : undefined));
    fake.emit({ type: 'hangup', channelId: 'chan-hook', cause: 16, causeText: 'Normal Clearing' });
    expect(await stepsOf(callId, 'completed')).to.deep.equal([
      'ask:ok',
      'greet:played',
      'bye:hangup',
    ]);
  });

  it('drops the webhook request when the caller hangs up while the app thinks', async () => {
    let closed = false;
    answerHook = (req) => {
      req.socket.on('close', () => (closed = true));
    };
    const callId = await callIn(
      { start: 'ask', steps: { ask: { verb: 'webhook', url: hookUrl, timeout: 30 } } },
      'chan-slow',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    fake.emit({ type: 'hangup', channelId: 'chan-slow', cause: 16, causeText: 'Normal Clearing' });
    expect(await stepsOf(callId, 'completed')).to.deep.equal(['ask:caller_hangup']);
    await eventually(async () => (closed ? true : undefined));
  });

  it('runs the flow once when the PBX repeats a StasisStart', async () => {
    const callId = await callIn(
      { start: 'hello', steps: { hello: { verb: 'say', text: 'Hi.' } } },
      'chan-twice',
    );
    await eventually(async () => fake.plays.find((p) => p.channelId === 'chan-twice'));
    fake.ring('chan-twice', kit.did);
    // As for a channel we originated: its StasisStart answers the call.
    fake.enters('chan-twice', 'trunkline-call', callId);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.plays.filter((p) => p.channelId === 'chan-twice')).to.have.length(1);
    const calls = await app.runtime.db('calls').where({ channel_id: 'chan-twice' });
    expect(calls.map((c: { id: string }) => c.id)).to.deep.equal([callId]);
  });

  it('dials an endpoint a dial step names (PJSIP/alice) as it is, a number through the template', async () => {
    await callIn(
      { start: 'desk', steps: { desk: { verb: 'dial', to: 'PJSIP/alice' } } },
      'chan-desk',
    );
    await eventually(async () => (fake.endpoints.length > 0 ? true : undefined));
    expect(fake.endpoints).to.deep.equal(['PJSIP/alice']);
    await callIn(
      { start: 'out', steps: { out: { verb: 'dial', to: '+14155550123' } } },
      'chan-number',
    );
    await eventually(async () => (fake.endpoints.length > 1 ? true : undefined));
    expect(fake.endpoints[1]).to.equal('PJSIP/+14155550123@trunk');
  });

  it("keeps the caller's key when the gather's prompt cannot be stopped", async () => {
    const callId = await callIn(
      {
        start: 'menu',
        steps: {
          menu: {
            verb: 'gather',
            num_digits: 1,
            prompt: { verb: 'say', text: 'Press 1.' },
            branches: { '1': 'bye' },
          },
          bye: { verb: 'hangup' },
        },
      },
      'chan-stop',
    );
    await eventually(async () => fake.plays.find((p) => p.channelId === 'chan-stop'));
    fake.faults.stopPlayback = true;
    fake.emit({ type: 'dtmf', channelId: 'chan-stop', digit: '1' });
    await eventually(async () => (fake.hangups.includes('chan-stop') ? true : undefined));
    fake.emit({ type: 'hangup', channelId: 'chan-stop', cause: 16, causeText: 'Normal Clearing' });
    const steps = await stepsOf(callId, 'completed');
    expect(steps[0]).to.match(/^menu:/);
    expect(steps.at(-1)).to.equal('bye:hangup');
  });

  /** An outbound call placed through the API and originated by this orchestrator. */
  async function originated(extra: Record<string, unknown> = {}): Promise<string> {
    const from = uniqueNumber();
    await api('POST', '/v1/numbers', { body: { number: from } });
    const created = await api<{ id: string }>('POST', '/v1/calls', {
      body: {
        to: uniqueNumber(),
        from,
        flow: { start: 'bye', steps: { bye: { verb: 'hangup' } } },
        ...extra,
      },
    });
    await runJob(ORIGINATE_JOB, created.body.id);
    return created.body.id;
  }

  function runJob(name: string, callId: string) {
    return orchestrator.handler.handle({
      id: `job-${name}-${callId}`,
      name,
      data: { call_id: callId },
      attemptsMade: 0,
      attempts: 1,
      logger: createSilentLogger(),
      postpone: () => Promise.reject(new Error('postponed')),
    });
  }

  it('runs the flow of an outbound call answered while no orchestrator ran, recording it once', async () => {
    const callId = await originated({ record: true });
    await orchestrator.stop(); // dies before the callee answers; its StasisStart is lost
    const restarted = createTestOrchestrator(app);
    const pbx = createFakeMedia();
    pbx.channels.push(callId); // up: answered, waiting in the app
    restarted.attach(pbx.media);
    try {
      await eventually(async () => (pbx.hangups.includes(callId) ? true : undefined));
      expect(pbx.snoops, 'one call recording').to.have.length(1);
      pbx.emit({ type: 'hangup', channelId: callId, cause: 16, causeText: 'Normal Clearing' });
      expect(await stepsOf(callId, 'completed')).to.deep.equal(['bye:hangup']);
    } finally {
      await restarted.stop();
    }
  });

  it('closes a ringing outbound call whose channel went while the PBX was away', async () => {
    const callId = await originated();
    fake.emit({ type: 'state', channelId: callId, state: 'ringing' });
    await callInStatus(api, callId, 'ringing');
    fake.emit({ type: 'connection', up: false });
    fake.emit({ type: 'connection', up: true }); // the PBX lists no channel
    await callInStatus(api, callId, 'failed');
    const timeline = await api<{ data: Array<{ type: string }> }>(
      'GET',
      `/v1/calls/${callId}/events`,
    );
    expect(timeline.body.data.map((e) => e.type)).to.include('call.channel_lost');
  });

  it('hangs up, and cancels, a call the API hung up before the callee picked up', async () => {
    const callId = await originated();
    await runJob(HANGUP_JOB, callId);
    fake.enters(callId, 'trunkline-call', callId);
    await eventually(async () =>
      fake.hangups.filter((c) => c === callId).length === 2 ? true : undefined,
    );
    fake.emit({ type: 'hangup', channelId: callId, cause: 16, causeText: 'Normal Clearing' });
    const call = await callInStatus(api, callId, 'canceled');
    expect(call.answered_at).to.equal(null);
  });

  it('tries the reconciliation again when listing the channels fails after a reconnect', async () => {
    const callId = await callIn(
      { start: 'wait', steps: { wait: { verb: 'pause', seconds: 30 } } },
      'chan-relist',
    );
    await callInStatus(api, callId, 'in-progress');
    fake.faults.listChannels = 1;
    fake.emit({ type: 'connection', up: false });
    fake.emit({ type: 'connection', up: true }); // the caller left meanwhile: no channel
    const ended = await callInStatus(api, callId, 'completed');
    expect(ended.hangup_cause).to.equal('channel_lost');
    expect(fake.faults.listChannels).to.equal(0);
  });

  it('hangs up with media_error, not silence, when the answered leg cannot be bridged', async () => {
    fake.faults.addToBridge = true;
    const callId = await callIn(
      { start: 'out', steps: { out: { verb: 'dial', to: '+14155550123' } } },
      'chan-bridge',
    );
    const legId = await eventually(async () => fake.originated[0]);
    fake.enters(legId, 'trunkline-dial', callId);
    await eventually(async () => (fake.hangups.includes('chan-bridge') ? true : undefined));
    const ended = await callInStatus(api, callId, 'completed');
    expect(ended.hangup_cause).to.equal('media_error');
    expect(fake.hangups).to.include(legId);
  });

  it('ends a call whose hangup step failed once and then worked as hung up, not media_error', async () => {
    fake.faults.hangups = 1;
    const callId = await callIn({ start: 'bye', steps: { bye: { verb: 'hangup' } } }, 'chan-bye');
    const ended = await callInStatus(api, callId, 'completed');
    expect(ended.hangup_cause).to.equal('normal_clearing');
    expect(fake.hangups.filter((c) => c === 'chan-bye')).to.have.length(2);
    expect(await stepsOf(callId, 'completed')).to.deep.equal(['bye:hangup']);
  });

  it('goes on with the flow when saving a step fails twice, instead of leaving the caller in silence', async () => {
    // The first two saves of this call's steps after its answer fail, as during a blip.
    const blip = {
      name: 'step_blip',
      table: 'calls',
      when: 'update' as const,
      body: `
        if new.channel_id = 'chan-blip' and new.flow_state is distinct from old.flow_state
           and old.flow_state is not null and nextval('step_blip_seq') <= 2 then
          raise exception 'injected: database blip' using errcode = '08006';
        end if;`,
    };
    await withTrigger(app.runtime.db, blip, async () => {
      const callId = await callIn(
        {
          start: 'one',
          steps: {
            one: { verb: 'say', text: 'One.', next: 'two' },
            two: { verb: 'say', text: 'Two.' },
          },
        },
        'chan-blip',
      );
      const first = await eventually(async () =>
        fake.plays.find((p) => p.channelId === 'chan-blip'),
      );
      fake.emit({
        type: 'playback_finished',
        playbackId: first.playbackId,
        channelId: 'chan-blip',
      });
      const second = await eventually(async () =>
        fake.plays.filter((p) => p.channelId === 'chan-blip').at(1),
      );
      fake.emit({
        type: 'playback_finished',
        playbackId: second.playbackId,
        channelId: 'chan-blip',
      });
      await eventually(async () => (fake.hangups.includes('chan-blip') ? true : undefined));
      fake.emit({
        type: 'hangup',
        channelId: 'chan-blip',
        cause: 16,
        causeText: 'Normal Clearing',
      });
      expect(await stepsOf(callId, 'completed')).to.deep.equal(['one:played', 'two:played']);
    });
  });

  it('does not take a prompt the caller hung up on as heard, nor run the steps after it', async () => {
    const callId = await callIn(
      {
        start: 'hello',
        steps: {
          hello: { verb: 'say', text: 'Hi.', next: 'more' },
          more: { verb: 'say', text: 'And more.' },
        },
      },
      'chan-left',
    );
    const play = await eventually(async () => fake.plays.find((p) => p.channelId === 'chan-left'));
    // Asterisk's order when the far end hangs up mid-prompt.
    fake.emit({ type: 'hangup_request', channelId: 'chan-left' });
    fake.emit({ type: 'playback_finished', playbackId: play.playbackId, channelId: 'chan-left' });
    fake.emit({ type: 'hangup', channelId: 'chan-left', cause: 16, causeText: 'Normal Clearing' });
    expect(await stepsOf(callId, 'completed')).to.deep.equal(['hello:caller_hangup']);
    expect(fake.plays.filter((p) => p.channelId === 'chan-left')).to.have.length(1);
  });

  /**
   * A call in a dial step whose orchestrator dies: a new one starts on a PBX that lists the
   * caller and, unless `legState` is 'gone' (it ended while no orchestrator ran), the leg in
   * that state; resolves with the restarted orchestrator and its PBX.
   */
  async function restartDuringDial(channelId: string, legState: string, answered = legState) {
    const callId = await callIn(
      {
        start: 'out',
        steps: {
          out: { verb: 'dial', to: '+14155550123', next: 'bye', on: { 'no-answer': 'bye' } },
          bye: { verb: 'hangup' },
        },
      },
      channelId,
    );
    const legId = await eventually(async () => fake.originated[0]);
    await eventually(async () => {
      const row = await app.runtime.db('calls').where({ id: callId }).first();
      return row.dial_leg?.id === legId ? true : undefined;
    });
    if (answered === 'up') {
      fake.enters(legId, 'trunkline-dial', callId);
      await eventually(async () => {
        const row = await app.runtime.db('calls').where({ id: callId }).first();
        return row.dial_leg?.answered_at ? true : undefined;
      });
    }
    await orchestrator.stop(); // the process dies; the PBX keeps the legs
    const restarted = createTestOrchestrator(app);
    const pbx = createFakeMedia();
    pbx.channels.push(channelId);
    if (legState !== 'gone') {
      pbx.channels.push(legId);
      pbx.states.set(legId, legState);
    }
    restarted.attach(pbx.media);
    if (legState !== 'gone') {
      await eventually(async () => (restarted.callOnChannel(legId) ? true : undefined));
    }
    return { callId, legId, restarted, pbx };
  }

  for (const [answered, outcome] of [
    ['up', 'completed'],
    ['ringing', 'failed'],
  ] as const) {
    it(`gives a dial whose ${answered} leg ended while no orchestrator ran ${outcome}, without dialling again`, async () => {
      const channelId = `chan-leg-gone-${answered}`;
      const { callId, restarted, pbx } = await restartDuringDial(channelId, 'gone', answered);
      try {
        await eventually(async () => (pbx.hangups.includes(channelId) ? true : undefined));
        expect(pbx.originated).to.deep.equal([]);
        pbx.emit({ type: 'hangup', channelId, cause: 16, causeText: 'Normal Clearing' });
        expect(await stepsOf(callId, 'completed')).to.deep.equal([`out:${outcome}`, 'bye:hangup']);
      } finally {
        await restarted.stop();
      }
    });
  }

  it('takes back an answered dial leg after a restart, bridged again, instead of calling again', async () => {
    const { callId, legId, restarted, pbx } = await restartDuringDial('chan-dialing', 'up');
    try {
      expect(pbx.originated).to.deep.equal([]);
      await eventually(async () => (pbx.bridged.length > 0 ? true : undefined));
      expect(pbx.bridged[0].channelIds).to.deep.equal(['chan-dialing', legId]);
      pbx.emit({ type: 'hangup', channelId: legId, cause: 16, causeText: 'Normal Clearing' });
      await eventually(async () => (pbx.hangups.includes('chan-dialing') ? true : undefined));
      pbx.emit({
        type: 'hangup',
        channelId: 'chan-dialing',
        cause: 16,
        causeText: 'Normal Clearing',
      });
      expect(await stepsOf(callId, 'completed')).to.deep.equal(['out:completed', 'bye:hangup']);
    } finally {
      await restarted.stop();
    }
  });

  it('takes back a dial leg still ringing after a restart: no answer is no-answer', async () => {
    const { callId, legId, restarted, pbx } = await restartDuringDial('chan-ringing', 'ringing');
    try {
      expect(pbx.originated).to.deep.equal([]);
      expect(pbx.bridged).to.deep.equal([]);
      pbx.emit({ type: 'hangup', channelId: legId, cause: 19, causeText: 'No answer' });
      await eventually(async () => (pbx.hangups.includes('chan-ringing') ? true : undefined));
      pbx.emit({
        type: 'hangup',
        channelId: 'chan-ringing',
        cause: 16,
        causeText: 'Normal Clearing',
      });
      expect(await stepsOf(callId, 'completed')).to.deep.equal(['out:no-answer', 'bye:hangup']);
    } finally {
      await restarted.stop();
    }
  });
});
