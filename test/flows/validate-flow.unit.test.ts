import { expect } from 'chai';
import type { FieldError } from '../../src/platform/index.js';
import { validateFlow } from '../../src/flows/validate-flow.js';
import { EXAMPLE_NAMES, loadExample } from './flow-fixtures.js';

/** The errors of an invalid definition (fails the test when it is valid). */
function errorsOf(definition: unknown): FieldError[] {
  const result = validateFlow(definition);
  if (result.valid) expect.fail('expected the definition to be invalid');
  return result.errors;
}

function pathsOf(definition: unknown): string[] {
  return errorsOf(definition).map((error) => error.path);
}

/** The IVR example with one step replaced or added. */
function ivrWith(name: string, step: unknown): Record<string, unknown> {
  const flow = loadExample('ivr-menu') as unknown as { steps: Record<string, unknown> };
  flow.steps[name] = step;
  return flow;
}

describe('validateFlow', () => {
  describe('with valid flows', () => {
    for (const name of EXAMPLE_NAMES) {
      it(`accepts the ${name} example and returns it as the definition`, () => {
        const flow = loadExample(name);
        const result = validateFlow(flow);
        expect(result).to.deep.equal({ valid: true, definition: flow });
      });
    }

    it('accepts sound: names and https URLs for play', () => {
      const flow = ivrWith('welcome', { verb: 'play', url: 'sound:digits/1', next: 'menu' });
      expect(validateFlow(flow).valid).to.equal(true);
      const https = ivrWith('welcome', { verb: 'play', url: 'https://cdn.example/a.wav' });
      expect(validateFlow(https).valid).to.equal(true);
    });

    it('accepts a loop that passes through a gather', () => {
      expect(validateFlow(loadExample('ivr-menu')).valid).to.equal(true);
    });
  });

  describe('schema errors', () => {
    it('reports a non-object definition at the empty pointer', () => {
      expect(errorsOf('flow')).to.deep.equal([{ path: '', message: 'must be object' }]);
    });

    it('reports missing start and steps where they belong', () => {
      expect(errorsOf({})).to.deep.equal([
        { path: '/start', message: 'is required' },
        { path: '/steps', message: 'is required' },
      ]);
    });

    it('points at an unknown property itself', () => {
      expect(pathsOf({ ...loadExample('voicemail'), colour: 'red' })).to.deep.equal(['/colour']);
      const flow = ivrWith('welcome', { verb: 'say', text: 'Hi', colour: 'red', next: 'menu' });
      expect(errorsOf(flow)).to.deep.equal([
        { path: '/steps/welcome/colour', message: 'is not allowed here' },
      ]);
    });

    it('escapes "/" and "~" in the pointer of an unknown property', () => {
      expect(pathsOf({ ...loadExample('voicemail'), 'a/b~c': 1 })).to.deep.equal(['/a~1b~0c']);
    });

    it('reports an unknown verb once, at verb, listing the verbs', () => {
      const errors = errorsOf(ivrWith('welcome', { verb: 'speak', text: 'Hi' }));
      expect(errors).to.have.length(1);
      expect(errors[0].path).to.equal('/steps/welcome/verb');
      expect(errors[0].message).to.equal(
        'unknown verb "speak"; expected one of: say, play, gather, dial, record, pause, set, branch, webhook, sms, redirect, hangup',
      );
    });

    it('reports a missing verb at /steps/<name>/verb', () => {
      expect(errorsOf(ivrWith('welcome', { text: 'Hi' }))).to.deep.equal([
        { path: '/steps/welcome/verb', message: 'is required' },
      ]);
    });

    it('checks a field against the verb the author chose, not every verb', () => {
      expect(
        errorsOf(ivrWith('sales', { verb: 'dial', to: '+14155550123', max_length: 5 })),
      ).to.deep.equal([{ path: '/steps/sales/max_length', message: 'is not allowed here' }]);
    });

    it('allows only say or play as a gather prompt, without next', () => {
      const menu = loadExample('ivr-menu').steps.menu;
      const dialPrompt = ivrWith('menu', { ...menu, prompt: { verb: 'dial', to: '+14155550123' } });
      expect(errorsOf(dialPrompt)).to.deep.equal([
        {
          path: '/steps/menu/prompt/verb',
          message: 'unknown verb "dial"; expected one of: say, play',
        },
      ]);
      const withNext = ivrWith('menu', {
        ...menu,
        prompt: { verb: 'say', text: 'Hi', next: 'end' },
      });
      expect(pathsOf(withNext)).to.deep.equal(['/steps/menu/prompt/next']);
    });

    it('reports a bad step name at that key', () => {
      const errors = errorsOf(ivrWith('bad name', { verb: 'hangup' }));
      expect(errors).to.deep.equal([
        {
          path: '/steps/bad name',
          message: 'is not a valid key: must be a step name: 1-64 letters, digits, "_" or "-"',
        },
      ]);
    });

    it('allows at most 200 steps', () => {
      const steps: Record<string, unknown> = {};
      for (let i = 0; i < 201; i += 1) steps[`s${i}`] = { verb: 'hangup' };
      expect(errorsOf({ start: 's0', steps })).to.deep.equal([
        { path: '/steps', message: 'must NOT have more than 200 properties' },
      ]);
    });

    it('reports a branch key that is not keypad digits at that key', () => {
      const menu = loadExample('ivr-menu').steps.menu;
      const flow = ivrWith('menu', { ...menu, branches: { '1a': 'sales' } });
      expect(errorsOf(flow)).to.deep.equal([
        {
          path: '/steps/menu/branches/1a',
          message: 'is not a valid key: must be 1-64 keypad keys (0-9, * or #)',
        },
      ]);
    });

    it('accepts only one keypad key or "" as finish_on_key', () => {
      const flow = ivrWith('voicemail', { verb: 'record', finish_on_key: 'x', next: 'goodbye' });
      expect(pathsOf(flow)).to.deep.equal(['/steps/voicemail/finish_on_key']);
      const none = ivrWith('voicemail', { verb: 'record', finish_on_key: '', next: 'goodbye' });
      expect(validateFlow(none).valid).to.equal(true);
    });

    const bounds: Array<[string, unknown, string]> = [
      ['gather timeout 0', { verb: 'gather', timeout: 0 }, '/steps/x/timeout'],
      ['gather timeout 121', { verb: 'gather', timeout: 121 }, '/steps/x/timeout'],
      ['max_attempts 11', { verb: 'gather', max_attempts: 11 }, '/steps/x/max_attempts'],
      ['num_digits 65', { verb: 'gather', num_digits: 65 }, '/steps/x/num_digits'],
      ['max_length 3601', { verb: 'record', max_length: 3601 }, '/steps/x/max_length'],
      ['loop 0', { verb: 'say', text: 'a', loop: 0 }, '/steps/x/loop'],
      ['loop 101', { verb: 'say', text: 'a', loop: 101 }, '/steps/x/loop'],
      ['pause 601 s', { verb: 'pause', seconds: 601 }, '/steps/x/seconds'],
      [
        'webhook timeout 31',
        { verb: 'webhook', url: 'https://a.example', timeout: 31 },
        '/steps/x/timeout',
      ],
      ['dial timeout 1.5', { verb: 'dial', to: '+14155550123', timeout: 1.5 }, '/steps/x/timeout'],
      ['an http play url', { verb: 'play', url: 'http://a.example/a.wav' }, '/steps/x/url'],
      ['a webhook to ftp', { verb: 'webhook', url: 'ftp://a.example' }, '/steps/x/url'],
      ['dial to a name', { verb: 'dial', to: 'alice' }, '/steps/x/to'],
      ['sms to a name', { verb: 'sms', to: 'alice', body: 'hi' }, '/steps/x/to'],
      ['a bad flow id', { verb: 'redirect', flow_id: 'flow_1' }, '/steps/x/flow_id'],
      ['an empty say', { verb: 'say', text: '' }, '/steps/x/text'],
      ['a 4,001-character say', { verb: 'say', text: 'a'.repeat(4001) }, '/steps/x/text'],
      ['a bad variable name', { verb: 'set', variables: { '1x': 'a' } }, '/steps/x/variables/1x'],
      [
        'an unknown dial outcome',
        { verb: 'dial', to: '+14155550123', on: { hangup: 'x' } },
        '/steps/x/on/hangup',
      ],
      [
        'an unknown op',
        { verb: 'branch', cases: [{ if: { var: 'a', op: 'like', value: 'b' }, next: 'x' }] },
        '/steps/x/cases/0/if/op',
      ],
      [
        'a boolean value',
        { verb: 'branch', cases: [{ if: { var: 'a', op: 'eq', value: true }, next: 'x' }] },
        '/steps/x/cases/0/if/value',
      ],
    ];
    for (const [label, step, path] of bounds) {
      it(`rejects ${label} at ${path}`, () => {
        const flow = { start: 'x', steps: { x: step } };
        expect(pathsOf(flow)).to.deep.equal([path]);
      });
    }

    it('accepts a template as the dial target', () => {
      const flow = { start: 'x', steps: { x: { verb: 'dial', to: '{{vars.agent}}' } } };
      expect(validateFlow(flow).valid).to.equal(true);
    });

    it('reports a variable that is not a string at /variables/<name>', () => {
      const flow = { ...loadExample('voicemail'), variables: { count: 3 } };
      expect(errorsOf(flow)).to.deep.equal([
        { path: '/variables/count', message: 'must be string' },
      ]);
    });
  });
});
