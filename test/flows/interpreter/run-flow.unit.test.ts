import { expect } from 'chai';
import type { FlowStep } from '../../../src/flows/flow-types.js';
import type { FlowState } from '../../../src/flows/interpreter/flow-state.js';
import { createFlowState, nextFlow, startFlow } from '../../../src/flows/interpreter/run-flow.js';
import { CALL, defineFlow, drive, loadExample } from '../flow-fixtures.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('startFlow and nextFlow', () => {
  const ivr = loadExample('ivr-menu');

  it('starts at start with the definition variables overridden by the context', () => {
    const start = startFlow(ivr, { call: CALL, variables: { team: 'support', extra: '1' } });
    expect(start.state).to.deep.equal({
      step: 'welcome',
      started: true,
      ended: false,
      ended_by: null,
      attempts: 0,
      variables: { team: 'support', extra: '1' },
      last_digits: '',
      steps_taken: 1,
      call: CALL,
    });
    expect(start.commands).to.deep.equal([
      { type: 'play', media: { kind: 'tts', text: 'Thanks for calling +14155550199.' }, loop: 1 },
    ]);
  });

  it('waits for started when the state is created first', () => {
    const created = createFlowState(ivr, { call: CALL });
    expect(created).to.include({ started: false, step: null });
    const early = nextFlow(ivr, created, { type: 'play_finished' });
    expect(early.state).to.equal(created);
    expect(early.commands).to.deep.equal([]);
    expect(nextFlow(ivr, created, { type: 'started' })).to.deep.equal(
      startFlow(ivr, { call: CALL }),
    );
  });

  it('ignores an event that does not fit the current step', () => {
    const start = startFlow(ivr, { call: CALL });
    for (const event of [
      { type: 'started' },
      { type: 'digits', digits: '1' },
      { type: 'timeout' },
      { type: 'dial_result', outcome: 'busy' },
      { type: 'recording_finished', recording_id: 'rec_1' },
      { type: 'http_response', status: 200 },
    ] as const) {
      const result = nextFlow(ivr, start.state, event);
      expect(result).to.deep.equal({ state: start.state, commands: [], entered: [] });
    }
  });

  it('ignores every event once the flow has ended', () => {
    const ended = drive(defineFlow({ h: { verb: 'hangup' } }), [])[0].state;
    expect(nextFlow(ivr, ended, { type: 'caller_hangup' }).state).to.equal(ended);
  });

  it('never changes the state it is given and returns plain JSON', () => {
    const start = deepFreeze(startFlow(ivr, { call: CALL }));
    const next = nextFlow(ivr, start.state, { type: 'play_finished' });
    const after = nextFlow(ivr, deepFreeze(next.state), { type: 'digits', digits: '2' });
    expect(JSON.parse(JSON.stringify(after))).to.deep.equal(after);
    expect(start.state.step).to.equal('welcome');
  });

  it('ends with error, hanging up, when the state names a step the definition lacks', () => {
    const state: FlowState = { ...startFlow(ivr, { call: CALL }).state, step: 'gone' };
    const result = nextFlow(ivr, state, { type: 'play_finished' });
    expect(result.state).to.include({ ended: true, ended_by: 'error' });
    expect(result.commands).to.deep.equal([{ type: 'hangup' }]);
  });

  describe('when the caller hangs up', () => {
    const waiting: Record<string, FlowStep> = {
      say: { verb: 'say', text: 'Hi' },
      play: { verb: 'play', url: 'sound:beep' },
      gather: { verb: 'gather' },
      dial: { verb: 'dial', to: '+14155550123' },
      record: { verb: 'record' },
      pause: { verb: 'pause', seconds: 2 },
      webhook: { verb: 'webhook', url: 'https://app.example/hook' },
    };
    for (const [verb, step] of Object.entries(waiting)) {
      it(`ends the flow during ${verb} with no commands`, () => {
        const flow = defineFlow({ here: step });
        const [, hung] = drive(flow, [{ type: 'caller_hangup' }]);
        expect(hung.commands).to.deep.equal([]);
        expect(hung.entered).to.deep.equal([{ step: 'here', verb, outcome: 'caller_hangup' }]);
        expect(hung.state).to.include({ ended: true, ended_by: 'caller_hangup', step: null });
      });
    }

    it('ends the flow with outcome media_error and ended_by error when media failed mid-step', () => {
      const flow = defineFlow({ here: { verb: 'say', text: 'Hello' } });
      const [, failed] = drive(flow, [{ type: 'media_error' }]);
      expect(failed.commands).to.deep.equal([]);
      expect(failed.entered).to.deep.equal([{ step: 'here', verb: 'say', outcome: 'media_error' }]);
      expect(failed.state).to.include({ ended: true, ended_by: 'error', step: null });
    });

    it('ends the flow with outcome and ended_by api_hangup when the app hung up mid-step', () => {
      const flow = defineFlow({ here: { verb: 'gather' } });
      const [, hung] = drive(flow, [{ type: 'api_hangup' }]);
      expect(hung.commands).to.deep.equal([]);
      expect(hung.entered).to.deep.equal([{ step: 'here', verb: 'gather', outcome: 'api_hangup' }]);
      expect(hung.state).to.include({ ended: true, ended_by: 'api_hangup', step: null });
    });

    it('ends the flow with outcome redirected and ended_by redirect when the app redirects mid-step', () => {
      const flow = defineFlow({ here: { verb: 'pause', seconds: 2 } });
      const [, left] = drive(flow, [{ type: 'redirected' }]);
      expect(left.commands).to.deep.equal([]);
      expect(left.entered).to.deep.equal([{ step: 'here', verb: 'pause', outcome: 'redirected' }]);
      expect(left.state).to.include({ ended: true, ended_by: 'redirect', step: null });
    });

    it('ends a flow that has not started', () => {
      const hung = nextFlow(ivr, createFlowState(ivr, { call: CALL }), { type: 'caller_hangup' });
      expect(hung).to.deep.include({ commands: [], entered: [] });
      expect(hung.state.ended_by).to.equal('caller_hangup');
    });

    it('lands after set, branch and sms, which run within one transition and never wait', () => {
      const flow = defineFlow({
        s: { verb: 'set', variables: { a: '1' }, next: 'b' },
        b: { verb: 'branch', cases: [{ if: { var: 'a', op: 'eq', value: 1 }, next: 't' }] },
        t: { verb: 'sms', body: 'hi', next: 'w' },
        w: { verb: 'say', text: 'Hi' },
      });
      const [start, hung] = drive(flow, [{ type: 'caller_hangup' }]);
      expect(start.entered.map((e) => e.verb)).to.deep.equal(['set', 'branch', 'sms']);
      expect(hung.entered).to.deep.equal([{ step: 'w', verb: 'say', outcome: 'caller_hangup' }]);
    });
  });

  describe('the step limit', () => {
    const loop = defineFlow({ g: { verb: 'gather', next: 'g' } });

    it('hangs up with step_limit when a call would enter its 1,001st step', () => {
      let transition = startFlow(loop, { call: CALL });
      for (let i = 1; i < 1000; i += 1) {
        transition = nextFlow(loop, transition.state, { type: 'digits', digits: '5' });
      }
      expect(transition.state).to.include({ steps_taken: 1000, ended: false });
      const last = nextFlow(loop, transition.state, { type: 'digits', digits: '5' });
      expect(last.commands).to.deep.equal([{ type: 'hangup' }]);
      expect(last.state).to.include({ ended: true, ended_by: 'step_limit' });
      // The timeline says why: the step it would have entered, not entered.
      expect(last.entered.at(-1)).to.deep.equal({
        step: 'g',
        verb: 'gather',
        outcome: 'step_limit',
      });
    });

    it('counts the steps of the flow a call was redirected from', () => {
      const start = startFlow(loop, { call: CALL, steps_taken: 1000 });
      expect(start.state.ended_by).to.equal('step_limit');
    });
  });
});
