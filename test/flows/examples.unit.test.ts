import { expect } from 'chai';
import type { FlowEvent } from '../../src/flows/interpreter/flow-events.js';
import { simulateFlow } from '../../src/flows/simulate-flow.js';
import { drive, loadExample } from './flow-fixtures.js';

const commandTypes = (events: FlowEvent[], name: Parameters<typeof loadExample>[0]) =>
  drive(loadExample(name), events).map((t) => t.commands.map((c) => c.type).join('+'));

describe('example flows', () => {
  it('ivr-menu: a caller picks sales, nobody answers, and leaves a message', () => {
    expect(
      commandTypes(
        [
          { type: 'play_finished' },
          { type: 'digits', digits: '1' },
          { type: 'dial_result', outcome: 'no-answer' },
          { type: 'recording_finished', recording_id: 'rec_1', digits: '#' },
          { type: 'play_finished' },
        ],
        'ivr-menu',
      ),
    ).to.deep.equal(['play', 'collect_digits', 'dial', 'record', 'play', 'hangup']);
  });

  it('voicemail: records, texts the owner, thanks the caller and hangs up', () => {
    const transitions = drive(loadExample('voicemail'), [
      { type: 'play_finished' },
      { type: 'recording_finished', recording_id: 'rec_9', duration: 12, digits: '#' },
      { type: 'play_finished' },
    ]);
    expect(transitions[2].commands[0]).to.deep.equal({
      type: 'send_sms',
      to: '+14155550142',
      body: 'New voicemail from +14155550100 (recording rec_9).',
    });
    expect(transitions[3].state).to.include({ ended: true, ended_by: 'hangup' });
  });

  it('voicemail: the simulator sees the same run', () => {
    const result = simulateFlow(loadExample('voicemail'), { inputs: ['#'] });
    expect(result.transcript.map((e) => `${e.verb}:${e.outcome}`)).to.deep.equal([
      'say:played',
      'record:recorded',
      'sms:queued',
      'say:played',
      'hangup:hangup',
    ]);
    expect(result.ended_by).to.equal('hangup');
  });

  it('appointment-reminder: asks the app, then takes a cancellation and reports it', () => {
    const transitions = drive(loadExample('appointment-reminder'), [
      { type: 'http_response', status: 200, body: { variables: { patient_name: 'Ada' } } },
      { type: 'digits', digits: '2' },
      { type: 'http_response', status: 200 },
      { type: 'play_finished' },
    ]);
    const report = transitions[2].commands[0];
    expect(report).to.deep.include({
      type: 'http_request',
      url: 'https://app.example/flows/appointment/answer',
    });
    expect(report.type === 'http_request' && report.body.variables.choice).to.equal('cancelled');
    expect(transitions[3].entered.map((e) => e.step)).to.deep.equal(['report', 'acknowledge']);
    expect(transitions[4].state.ended_by).to.equal('hangup');
  });

  it('appointment-reminder: texts the patient when nobody presses a key', () => {
    const result = simulateFlow(loadExample('appointment-reminder'), {
      inputs: [],
      call: { direction: 'outbound', to: '+14155550177' },
    });
    const sms = result.transcript.find((e) => e.verb === 'sms');
    expect(sms).to.deep.include({ to: '+14155550177' });
    expect(result.ended_by).to.equal('hangup');
  });
});
