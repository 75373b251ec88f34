import { expect } from 'chai';
import { eventually } from '../support/http.js';
import { useFakePbx } from './orchestrator-kit.js';
import { withTrigger } from '../support/triggers.js';

/**
 * What the orchestrator refuses or guards against, on the fake PBX: a caller id the project
 * does not own, a play URL on a private address, and a slow database between a dial leg's
 * answer and its bridging.
 */
describe('call orchestrator guards (fake PBX)', () => {
  const kit = useFakePbx();

  it('bridges an answered dial leg before its answer is written, so a slow database keeps nobody apart', async () => {
    // The write of the leg's answer time (calls.dial_leg) takes 2 s, as on a slow database.
    const slowAnswer = {
      name: 'slow_dial_answer',
      table: 'calls',
      when: 'update' as const,
      body: `
        if new.channel_id = 'chan-slow-answer' and new.dial_leg->>'answered_at' is not null then
          perform pg_sleep(2);
        end if;`,
    };
    await withTrigger(kit.app.runtime.db, slowAnswer, async () => {
      const callId = await kit.callIn(
        { start: 'out', steps: { out: { verb: 'dial', to: '+14155550123' } } },
        'chan-slow-answer',
      );
      const legId = await eventually(async () => kit.fake.originated[0]);
      const answered = Date.now();
      kit.fake.enters(legId, 'trunkline-dial', callId);
      const bridge = await eventually(async () =>
        kit.fake.bridged.find((b) => b.channelIds.includes('chan-slow-answer')),
      );
      expect(Date.now() - answered, 'bridged before the 2 s write ended').to.be.below(1500);
      expect(bridge.channelIds).to.deep.equal(['chan-slow-answer', legId]);
      await eventually(async () => {
        const row = await kit.app.runtime.db('calls').where({ id: callId }).first();
        return row.dial_leg?.answered_at ? true : undefined;
      }, 5000);
    });
  });

  it("dials with the inbound caller's own number as caller id (a forward shows who calls)", async () => {
    await kit.callIn(
      { start: 'fwd', steps: { fwd: { verb: 'dial', to: '+14155550123', from: '{{call.from}}' } } },
      'chan-forward',
    );
    await eventually(async () => (kit.fake.originated.length > 0 ? true : undefined));
  });

  it("refuses a dial whose caller id is not the project's number: no leg, the step fails", async () => {
    const callId = await kit.callIn(
      {
        start: 'out',
        steps: {
          out: { verb: 'dial', to: '+14155550123', from: '+14155550785', next: 'bye' },
          bye: { verb: 'hangup' },
        },
      },
      'chan-spoof',
    );
    await eventually(async () => (kit.fake.hangups.includes('chan-spoof') ? true : undefined));
    expect(kit.fake.originated).to.deep.equal([]);
    const events = await kit.api<{
      data: Array<{ type: string; step?: string; outcome?: string; data?: object }>;
    }>('GET', `/v1/calls/${callId}/events`);
    const steps = events.body.data.filter((e) => e.step).map((e) => `${e.step}:${e.outcome}`);
    expect(steps).to.deep.equal(['out:failed', 'bye:hangup']);
    const note = events.body.data.find((e) => e.type === 'flow.dial_refused');
    expect(note?.data).to.include({ from: '+14155550785', code: 'unknown_caller_id' });
  });

  it('refuses to have the PBX fetch a play URL on a private address: media_error, nothing played', async () => {
    const callId = await kit.callIn(
      {
        start: 'meta',
        steps: {
          meta: { verb: 'play', url: 'https://169.254.169.254/latest/meta-data.wav', next: 'bye' },
          bye: { verb: 'hangup' },
        },
      },
      'chan-metadata',
    );
    expect(await kit.stepsOf(callId, 'completed')).to.deep.equal(['meta:media_error']);
    expect(kit.fake.plays.filter((p) => p.channelId === 'chan-metadata')).to.deep.equal([]);
  });
});
