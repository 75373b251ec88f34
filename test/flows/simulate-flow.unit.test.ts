import { expect } from 'chai';
import type { FlowEvent } from '../../src/flows/interpreter/flow-events.js';
import { nextFlow, startFlow } from '../../src/flows/interpreter/run-flow.js';
import { simulateFlow } from '../../src/flows/simulate-flow.js';
import { defineFlow, loadExample } from './flow-fixtures.js';

const ivr = loadExample('ivr-menu');
const SIM_CALL = { id: 'call_simulation', from: '+15550100001', to: '+15550100002' };
const FLOW_ID = 'flow_01HZY3N8W7T5Q2R4S6V8X0Z2A4';

const stepsOf = (inputs: string[]) =>
  simulateFlow(ivr, { inputs }).transcript.map((entry) => `${entry.step}:${entry.outcome}`);

describe('simulateFlow', () => {
  describe('on the IVR example', () => {
    it('["1"] takes the sales path and stops at the dial when the inputs run out', () => {
      const result = simulateFlow(ivr, { inputs: ['1'] });
      expect(result.transcript).to.deep.equal([
        {
          step: 'welcome',
          verb: 'say',
          outcome: 'played',
          next: 'menu',
          text: 'Thanks for calling +15550100002.',
        },
        {
          step: 'menu',
          verb: 'gather',
          input: '1',
          outcome: 'matched',
          next: 'sales',
          text: 'Press 1 for sales, 2 to leave a message.',
        },
      ]);
      expect(result).to.include({ ended_by: 'inputs_exhausted', waiting_at: 'sales' });
    });

    it('["1", "answered"] bridges the call, then says goodbye and hangs up', () => {
      expect(stepsOf(['1', 'answered'])).to.deep.equal([
        'welcome:played',
        'menu:matched',
        'sales:completed',
        'goodbye:played',
        'end:hangup',
      ]);
    });

    it('["2", "#"] leaves a voicemail and hangs up', () => {
      const result = simulateFlow(ivr, { inputs: ['2', '#'] });
      expect(result.transcript[2]).to.deep.equal({
        step: 'voicemail',
        verb: 'record',
        input: '#',
        outcome: 'recorded',
        next: 'goodbye',
        recording_id: 'rec_simulated_1',
      });
      expect(result).to.include({ ended_by: 'hangup', waiting_at: null });
      expect(result.variables.recording_id).to.equal('rec_simulated_1');
    });

    it('sends a busy line to voicemail', () => {
      expect(stepsOf(['1', 'busy', ''])).to.deep.equal([
        'welcome:played',
        'menu:matched',
        'sales:busy',
        'voicemail:recorded',
        'goodbye:played',
        'end:hangup',
      ]);
    });

    it('re-prompts on an unknown key, then times out three times when the inputs run out', () => {
      expect(stepsOf(['9'])).to.deep.equal([
        'welcome:played',
        'menu:no_match',
        'menu:timeout',
        'menu:timeout',
        'menu:max_attempts',
        'goodbye:played',
        'end:hangup',
      ]);
    });

    it('treats "" as a timeout', () => {
      expect(stepsOf(['', '2', '#']).slice(1, 3)).to.deep.equal(['menu:timeout', 'menu:matched']);
    });

    it('"hangup" is the caller hanging up', () => {
      const result = simulateFlow(ivr, { inputs: ['hangup'] });
      expect(result.ended_by).to.equal('caller_hangup');
      expect(result.transcript.at(-1)).to.deep.equal({
        step: 'menu',
        verb: 'gather',
        outcome: 'caller_hangup',
      });
    });

    it('uses the given call and variables', () => {
      const result = simulateFlow(ivr, {
        inputs: [],
        call: { to: '+14155550199' },
        variables: { team: 'support' },
      });
      expect(result.transcript[0].text).to.equal('Thanks for calling +14155550199.');
      expect(result.variables.team).to.equal('support');
    });
  });

  it('produces the timeline the interpreter writes for the same answers', () => {
    const events: FlowEvent[] = [
      { type: 'play_finished' },
      { type: 'digits', digits: '1' },
      { type: 'dial_result', outcome: 'no-answer' },
      { type: 'recording_finished', recording_id: 'rec_simulated_1', digits: '#' },
      { type: 'play_finished' },
    ];
    let transition = startFlow(ivr, { call: SIM_CALL });
    const timeline = [...transition.entered];
    for (const event of events) {
      transition = nextFlow(ivr, transition.state, event);
      timeline.push(...transition.entered);
    }
    const flat = timeline.map(({ details, ...entry }) => ({ ...entry, ...details }));
    const result = simulateFlow(ivr, { inputs: ['1', 'no-answer', '#'] });
    expect(result.transcript).to.deep.equal(flat);
    expect(result.ended_by).to.equal(transition.state.ended_by);
  });

  describe('webhooks', () => {
    const reminder = loadExample('appointment-reminder');

    it('consumes a JSON answer and otherwise behaves as a 200 with no body', () => {
      const answer = JSON.stringify({
        status: 200,
        body: { variables: { patient_name: 'Ada', appointment_time: 'Monday at 10' } },
      });
      const result = simulateFlow(reminder, {
        inputs: [answer, '1'],
        call: { direction: 'outbound' },
      });
      expect(result.transcript.map((e) => `${e.step}:${e.outcome}`)).to.deep.equal([
        'lookup:ok',
        'remind:matched',
        'confirm:set',
        'report:ok',
        'acknowledge:case_0',
        'confirmed:played',
        'end:hangup',
      ]);
      expect(result.transcript[1].text).to.match(/^Hello Ada, .* on Monday at 10\./);
    });

    it('goes to on_error for a scripted failure', () => {
      const result = simulateFlow(reminder, { inputs: ['{"status":500}'] });
      expect(result.transcript.map((e) => e.step)).to.deep.equal(['lookup', 'call_us', 'end']);
    });
  });

  describe('redirects', () => {
    const first = defineFlow({
      s: { verb: 'set', variables: { from_first: 'yes' }, next: 'r' },
      r: { verb: 'redirect', flow_id: FLOW_ID },
    });
    const second = defineFlow({ hi: { verb: 'say', text: 'Second {{vars.from_first}}' } });

    it('follows a redirect to a flow it was given, keeping the variables', () => {
      const result = simulateFlow(first, { inputs: [], flows: { [FLOW_ID]: second } });
      expect(result.transcript.map((e) => e.step)).to.deep.equal(['s', 'r', 'hi']);
      expect(result.transcript[2].text).to.equal('Second yes');
      expect(result.ended_by).to.equal('end');
    });

    it('stops at a redirect to a flow it was not given', () => {
      expect(simulateFlow(first, { inputs: [] }).ended_by).to.equal('redirect');
    });
  });

  it('stops a run that would never end with step_limit', () => {
    const loop = defineFlow({ g: { verb: 'gather', on_timeout: 'g' } });
    const result = simulateFlow(loop, { inputs: [] });
    expect(result.ended_by).to.equal('step_limit');
    expect(result.transcript).to.have.length(1001);
    expect(result.transcript.at(-1)).to.include({ step: 'g', outcome: 'step_limit' });
  });

  it('keeps the transcript small when a loop sets many long variables', () => {
    // A 3 KB flow: a pause loops back through a set of fifty variables of 1,000 characters
    // each, until the 1,000-step limit. Its transcript was 25 MB.
    const long = 'x'.repeat(1000);
    const definition = defineFlow(
      {
        fill: {
          verb: 'set',
          variables: Object.fromEntries(
            Array.from({ length: 50 }, (_, i) => [`v${i}`, '{{vars.x}}']),
          ),
          next: 'wait',
        },
        wait: { verb: 'pause', seconds: 1, next: 'fill' },
      },
      { x: long },
    );
    const result = simulateFlow(definition, { inputs: [] });
    expect(result.ended_by).to.equal('step_limit');
    expect(result.variables.v49, 'the flow keeps whole values').to.have.length(1000);
    expect(JSON.stringify(result.transcript).length).to.be.below(2_000_000);
    const set = result.transcript.find((e) => e.verb === 'set') as unknown as {
      variables: Record<string, string>;
    };
    expect(set.variables.v0).to.equal(`${'x'.repeat(200)}…`);
    expect(set.variables['…']).to.equal('40 more');
  });
});
