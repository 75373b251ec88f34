import { expect } from 'chai';
import { startFlow } from '../../../src/flows/interpreter/run-flow.js';
import { redirectContext } from '../../../src/flows/interpreter/flow-state.js';
import { CALL, defineFlow, drive, driveToEnd } from '../flow-fixtures.js';

const FLOW_ID = 'flow_01HZY3N8W7T5Q2R4S6V8X0Z2A4';

describe('say and play', () => {
  it('say plays rendered text with its voice, language and loop, then moves on', () => {
    const flow = defineFlow({
      hi: {
        verb: 'say',
        text: 'Hi {{call.from}}',
        voice: 'v1',
        language: 'en-GB',
        loop: 2,
        next: 'bye',
      },
      bye: { verb: 'hangup' },
    });
    const [start, done] = drive(flow, [{ type: 'play_finished' }]);
    expect(start.commands).to.deep.equal([
      {
        type: 'play',
        media: { kind: 'tts', text: 'Hi +14155550100', voice: 'v1', language: 'en-GB' },
        loop: 2,
      },
    ]);
    expect(done.entered).to.deep.equal([
      {
        step: 'hi',
        verb: 'say',
        outcome: 'played',
        next: 'bye',
        details: { text: 'Hi +14155550100' },
      },
      { step: 'bye', verb: 'hangup', outcome: 'hangup' },
    ]);
    expect(done.commands).to.deep.equal([{ type: 'hangup' }]);
    expect(done.state).to.include({ ended: true, ended_by: 'hangup' });
  });

  it('play sends an https URL or a sound name', () => {
    const url = startFlow(defineFlow({ p: { verb: 'play', url: 'https://cdn.example/a.wav' } }), {
      call: CALL,
    });
    expect(url.commands).to.deep.equal([
      { type: 'play', media: { kind: 'url', url: 'https://cdn.example/a.wav' }, loop: 1 },
    ]);
    const sound = startFlow(defineFlow({ p: { verb: 'play', url: 'sound:hello-world' } }), {
      call: CALL,
    });
    expect(sound.commands[0]).to.deep.include({ media: { kind: 'sound', name: 'hello-world' } });
  });

  it('ends the call with ended_by end after a step without next', () => {
    const done = driveToEnd(defineFlow({ hi: { verb: 'say', text: 'Hi' } }), [
      { type: 'play_finished' },
    ]);
    expect(done.commands).to.deep.equal([{ type: 'hangup' }]);
    expect(done.state).to.include({ ended: true, ended_by: 'end', step: null });
  });
});

describe('play', () => {
  it('fills the references of an https url in, and takes a sound: name as it is', () => {
    const flow = defineFlow({
      a: { verb: 'play', url: 'https://media.example/{{call.id}}.wav', next: 'b' },
      b: { verb: 'play', url: 'sound:{{digits}}' },
    });
    const [start] = drive(flow, []);
    expect(start.commands[0]).to.deep.include({
      media: { kind: 'url', url: `https://media.example/${encodeURIComponent(CALL.id)}.wav` },
    });
  });
});

describe('dial', () => {
  const flow = defineFlow(
    {
      d: {
        verb: 'dial',
        to: '{{vars.agent}}',
        from: '+14155550199',
        record: true,
        on: { busy: 'busy' },
        next: 'after',
      },
      busy: { verb: 'say', text: 'Busy.' },
      after: { verb: 'say', text: 'After.' },
    },
    { agent: 'PJSIP/alice' },
  );

  it('dials the rendered target with its options', () => {
    const [start] = drive(flow, []);
    expect(start.commands).to.deep.equal([
      { type: 'dial', to: 'PJSIP/alice', from: '+14155550199', timeout: 30, record: true },
    ]);
  });

  it('goes to next after a completed leg', () => {
    const done = driveToEnd(flow, [{ type: 'dial_result', outcome: 'completed' }]);
    expect(done.entered).to.deep.equal([
      {
        step: 'd',
        verb: 'dial',
        outcome: 'completed',
        next: 'after',
        details: { to: 'PJSIP/alice' },
      },
    ]);
  });

  it('goes to on[outcome] for a failed leg, else to next', () => {
    expect(driveToEnd(flow, [{ type: 'dial_result', outcome: 'busy' }]).state.step).to.equal(
      'busy',
    );
    expect(driveToEnd(flow, [{ type: 'dial_result', outcome: 'failed' }]).state.step).to.equal(
      'after',
    );
  });

  it('fails at once, dialling nothing, when `to` renders to no number or endpoint', () => {
    const missing = defineFlow({
      d: { verb: 'dial', to: '{{vars.agent}}', on: { failed: 'sorry' }, next: 'after' },
      sorry: { verb: 'say', text: 'Nobody to call.' },
      after: { verb: 'say', text: 'After.' },
    });
    const [start] = drive(missing, []);
    expect(start.commands.some((c) => c.type === 'dial')).to.equal(false);
    expect(start.entered[0]).to.deep.include({
      step: 'd',
      outcome: 'failed',
      next: 'sorry',
      details: { to: '', reason: 'invalid_to' },
    });
  });
});

describe('record', () => {
  it('records with defaults and stores the recording id', () => {
    const flow = defineFlow({
      r: { verb: 'record', next: 's' },
      s: { verb: 'say', text: '{{vars.recording_id}}' },
    });
    const [start, done] = drive(flow, [
      { type: 'recording_finished', recording_id: 'rec_1', duration: 3, digits: '#' },
    ]);
    expect(start.commands).to.deep.equal([
      { type: 'record', max_length: 60, finish_on_key: '#', beep: true },
    ]);
    expect(done.entered[0]).to.deep.equal({
      step: 'r',
      verb: 'record',
      input: '#',
      outcome: 'recorded',
      next: 's',
      details: { recording_id: 'rec_1' },
    });
    expect(done.commands[0]).to.deep.include({ media: { kind: 'tts', text: 'rec_1' } });
  });

  it('stores the id in the named variable', () => {
    const flow = defineFlow({
      r: { verb: 'record', variable: 'vm', max_length: 5, beep: false, finish_on_key: '' },
    });
    const [start, done] = drive(flow, [{ type: 'recording_finished', recording_id: 'rec_2' }]);
    expect(start.commands[0]).to.deep.equal({
      type: 'record',
      max_length: 5,
      finish_on_key: '',
      beep: false,
    });
    expect(done.state.variables).to.deep.equal({ vm: 'rec_2' });
  });
});

describe('pause', () => {
  it('asks for silence and moves on at the timeout', () => {
    const flow = defineFlow({ p: { verb: 'pause', seconds: 3, next: 'h' }, h: { verb: 'hangup' } });
    const [start, done] = drive(flow, [{ type: 'timeout' }]);
    expect(start.commands).to.deep.equal([{ type: 'pause', seconds: 3 }]);
    expect(done.entered[0]).to.deep.equal({
      step: 'p',
      verb: 'pause',
      outcome: 'paused',
      next: 'h',
      details: { seconds: 3 },
    });
  });
});

describe('set', () => {
  it('renders each value in order and moves on at once', () => {
    const flow = defineFlow({
      s: { verb: 'set', variables: { a: 'x{{call.to}}', b: '{{vars.a}}!' }, next: 'say' },
      say: { verb: 'say', text: '{{vars.b}}' },
    });
    const start = startFlow(flow, { call: CALL });
    expect(start.state.variables).to.deep.equal({ a: 'x+14155550199', b: 'x+14155550199!' });
    expect(start.entered[0]).to.deep.equal({
      step: 's',
      verb: 'set',
      outcome: 'set',
      next: 'say',
      details: { variables: { a: 'x+14155550199', b: 'x+14155550199!' } },
    });
    expect(start.commands[0]).to.deep.include({ media: { kind: 'tts', text: 'x+14155550199!' } });
  });
});

describe('branch', () => {
  const flow = defineFlow({
    b: {
      verb: 'branch',
      cases: [
        { if: { var: 'tier', op: 'eq', value: 'gold' }, next: 'gold' },
        { if: { var: 'tier', op: 'in', value: ['silver', 'bronze'] }, next: 'metal' },
      ],
      default: 'other',
    },
    gold: { verb: 'hangup' },
    metal: { verb: 'hangup' },
    other: { verb: 'hangup' },
  });

  it('takes the first case that holds', () => {
    const start = startFlow(flow, { call: CALL, variables: { tier: 'bronze' } });
    expect(start.entered[0]).to.deep.equal({
      step: 'b',
      verb: 'branch',
      outcome: 'case_1',
      next: 'metal',
    });
  });

  it('takes default when no case holds, and ends without one', () => {
    const other = startFlow(flow, { call: CALL, variables: { tier: 'tin' } });
    expect(other.entered[0]).to.deep.include({ outcome: 'default', next: 'other' });
    const noDefault = defineFlow({
      b: { verb: 'branch', cases: [{ if: { var: 'x', op: 'eq', value: '1' }, next: 'b' }] },
    });
    const ended = startFlow(noDefault, { call: CALL });
    expect(ended.state).to.include({ ended: true, ended_by: 'end' });
    expect(ended.commands).to.deep.equal([{ type: 'hangup' }]);
  });
});

describe('sms', () => {
  const flow = defineFlow({
    s: { verb: 'sms', body: 'Thanks {{call.from}}', next: 'bye' },
    bye: { verb: 'say', text: 'Bye' },
  });

  it('queues the text to the caller and moves on without waiting', () => {
    const start = startFlow(flow, { call: CALL });
    expect(start.commands).to.deep.equal([
      { type: 'send_sms', to: '+14155550100', body: 'Thanks +14155550100' },
      { type: 'play', media: { kind: 'tts', text: 'Bye' }, loop: 1 },
    ]);
    expect(start.entered[0]).to.deep.include({ outcome: 'queued', next: 'bye' });
  });

  it('texts the callee on an outbound call, or the rendered to and from', () => {
    const outbound = startFlow(flow, { call: { ...CALL, direction: 'outbound' } });
    expect(outbound.commands[0]).to.include({ to: '+14155550199' });
    const explicit = defineFlow(
      { s: { verb: 'sms', to: '{{vars.boss}}', from: '+14155550111', body: 'Hi' } },
      { boss: '+14155550222' },
    );
    expect(startFlow(explicit, { call: CALL }).commands).to.deep.equal([
      { type: 'send_sms', to: '+14155550222', from: '+14155550111', body: 'Hi' },
      { type: 'hangup' },
    ]);
  });
});

describe('redirect and hangup', () => {
  it('redirect ends this flow with a redirect command', () => {
    const flow = defineFlow({ r: { verb: 'redirect', flow_id: FLOW_ID } });
    const start = startFlow(flow, { call: CALL, variables: { a: '1' } });
    expect(start.commands).to.deep.equal([{ type: 'redirect', flow_id: FLOW_ID }]);
    expect(start.state).to.include({ ended: true, ended_by: 'redirect' });
    expect(redirectContext(start.state)).to.deep.equal({
      call: CALL,
      variables: { a: '1' },
      steps_taken: 1,
    });
  });

  it('hangup ends the call', () => {
    const start = startFlow(defineFlow({ h: { verb: 'hangup' } }), { call: CALL });
    expect(start.commands).to.deep.equal([{ type: 'hangup' }]);
    expect(start.state).to.include({ ended: true, ended_by: 'hangup' });
  });
});
