import { expect } from 'chai';
import type { GatherStep } from '../../../src/flows/flow-types.js';
import { normalizeDigits } from '../../../src/flows/interpreter/gather.js';
import { defineFlow, drive, driveToEnd } from '../flow-fixtures.js';

const menu: GatherStep = {
  verb: 'gather',
  num_digits: 1,
  timeout: 4,
  max_attempts: 3,
  prompt: { verb: 'say', text: 'Press 1 or 2, {{vars.name}}.', voice: 'alice' },
  branches: { '1': 'one', '2': 'two' },
  next: 'menu',
  on_timeout: 'bye',
};

const flow = defineFlow(
  {
    menu,
    one: { verb: 'say', text: 'You chose {{digits}} ({{vars.digits}}).', next: 'menu' },
    two: { verb: 'hangup' },
    bye: { verb: 'say', text: 'Bye.' },
  },
  { name: 'Ada' },
);

describe('gather', () => {
  it('asks to collect digits while the rendered prompt plays', () => {
    const [start] = drive(flow, []);
    expect(start.commands).to.deep.equal([
      {
        type: 'collect_digits',
        num_digits: 1,
        finish_on_key: '#',
        timeout: 4,
        prompt: {
          type: 'play',
          media: { kind: 'tts', text: 'Press 1 or 2, Ada.', voice: 'alice' },
          loop: 1,
        },
      },
    ]);
    expect(start.state.step).to.equal('menu');
    expect(start.entered).to.deep.equal([]);
  });

  it('uses the defaults when fields are left out', () => {
    const [start] = drive(defineFlow({ g: { verb: 'gather' } }), []);
    expect(start.commands).to.deep.equal([
      { type: 'collect_digits', num_digits: 1, finish_on_key: '#', timeout: 5 },
    ]);
  });

  it('follows the branch whose key equals the digits and stores them', () => {
    const result = driveToEnd(flow, [{ type: 'digits', digits: '1' }]);
    expect(result.entered).to.deep.equal([
      {
        step: 'menu',
        verb: 'gather',
        input: '1',
        outcome: 'matched',
        next: 'one',
        details: { text: 'Press 1 or 2, Ada.' },
      },
    ]);
    expect(result.commands[0]).to.deep.include({
      media: { kind: 'tts', text: 'You chose 1 (1).' },
    });
    expect(result.state.variables.digits).to.equal('1');
    expect(result.state.last_digits).to.equal('1');
  });

  it('goes to next when no branch matches', () => {
    const result = driveToEnd(flow, [{ type: 'digits', digits: '9' }]);
    expect(result.entered[0]).to.include({ outcome: 'no_match', next: 'menu', input: '9' });
    expect(result.state.step).to.equal('menu');
  });

  it('ends the call when nothing matches and there is no next', () => {
    const bare = defineFlow({ g: { verb: 'gather', branches: { '1': 'g' } } });
    const result = driveToEnd(bare, [{ type: 'digits', digits: '5' }]);
    expect(result.commands).to.deep.equal([{ type: 'hangup' }]);
    expect(result.state).to.include({ ended: true, ended_by: 'end' });
  });

  it('stores digits in the named variable, and {{digits}} still reads them', () => {
    const pin = defineFlow({
      g: { verb: 'gather', num_digits: 4, variable: 'pin', next: 's' },
      s: { verb: 'say', text: '{{vars.pin}}/{{digits}}/{{vars.digits}}' },
    });
    const result = driveToEnd(pin, [{ type: 'digits', digits: '1234' }]);
    expect(result.commands[0]).to.deep.include({ media: { kind: 'tts', text: '1234/1234/' } });
  });

  it('prompts again after a timeout and counts the attempt', () => {
    const result = driveToEnd(flow, [{ type: 'timeout' }]);
    expect(result.entered).to.deep.equal([
      {
        step: 'menu',
        verb: 'gather',
        input: '',
        outcome: 'timeout',
        details: { text: 'Press 1 or 2, Ada.' },
      },
    ]);
    expect(result.commands[0]).to.include({ type: 'collect_digits' });
    expect(result.state.attempts).to.equal(1);
  });

  it('treats empty digits as a timeout', () => {
    const result = driveToEnd(flow, [{ type: 'digits', digits: '' }]);
    expect(result.entered[0].outcome).to.equal('timeout');
    expect(result.state.attempts).to.equal(1);
  });

  it('goes to on_timeout after max_attempts timeouts', () => {
    const timeouts = drive(flow, [{ type: 'timeout' }, { type: 'timeout' }, { type: 'timeout' }]);
    const last = timeouts[3];
    expect(last.entered[0]).to.include({ outcome: 'max_attempts', next: 'bye' });
    expect(last.state.step).to.equal('bye');
    expect(last.state.attempts).to.equal(0);
  });

  it('ends the call after max_attempts timeouts when there is no on_timeout', () => {
    const bare = defineFlow({ g: { verb: 'gather', max_attempts: 2 } });
    const result = driveToEnd(bare, [{ type: 'timeout' }, { type: 'timeout' }]);
    expect(result.state).to.include({ ended: true, ended_by: 'end' });
    expect(result.commands).to.deep.equal([{ type: 'hangup' }]);
  });

  it('keeps the count when the gather moves to itself, resets it when entered from elsewhere', () => {
    const kept = driveToEnd(flow, [{ type: 'timeout' }, { type: 'digits', digits: '9' }]);
    expect(kept.state.attempts).to.equal(1);
    const reset = driveToEnd(flow, [
      { type: 'timeout' },
      { type: 'digits', digits: '1' },
      { type: 'play_finished' },
    ]);
    expect(reset.state).to.include({ step: 'menu', attempts: 0 });
  });

  it('ignores events other than digits and timeout', () => {
    const [start, after] = drive(flow, [{ type: 'play_finished' }]);
    expect(after.state).to.equal(start.state);
    expect(after.commands).to.deep.equal([]);
  });
});

describe('normalizeDigits', () => {
  it('keeps keypad keys, cut at the finish key and at num_digits', () => {
    expect(normalizeDigits('12#3', { verb: 'gather', num_digits: 5 })).to.equal('12');
    expect(normalizeDigits('1234', { verb: 'gather', num_digits: 2 })).to.equal('12');
    expect(normalizeDigits('1 2a*', { verb: 'gather', num_digits: 5, finish_on_key: '' })).to.equal(
      '12*',
    );
    expect(normalizeDigits(undefined, { verb: 'gather' })).to.equal('');
  });
});
