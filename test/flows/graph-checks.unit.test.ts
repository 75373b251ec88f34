import { expect } from 'chai';
import type { FieldError } from '../../src/platform/index.js';
import { validateFlow } from '../../src/flows/validate-flow.js';
import { loadExample } from './flow-fixtures.js';

function errorsOf(definition: unknown): FieldError[] {
  const result = validateFlow(definition);
  if (result.valid) expect.fail('expected the definition to be invalid');
  return result.errors;
}

const missing = (path: string, name: string) => ({
  path,
  message: `names step "${name}", which does not exist`,
});

describe('validateFlow graph checks', () => {
  describe('references', () => {
    it('reports a start step that does not exist at /start', () => {
      expect(errorsOf({ ...loadExample('voicemail'), start: 'hello' })).to.deep.equal([
        missing('/start', 'hello'),
      ]);
    });

    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['next', { verb: 'say', text: 'a', next: 'ghost' }, '/steps/x/next'],
      ['a gather branch', { verb: 'gather', branches: { '2': 'ghost' } }, '/steps/x/branches/2'],
      ['on_timeout', { verb: 'gather', on_timeout: 'ghost' }, '/steps/x/on_timeout'],
      [
        'a dial outcome',
        { verb: 'dial', to: '+14155550123', on: { busy: 'ghost' } },
        '/steps/x/on/busy',
      ],
      [
        'no-answer',
        { verb: 'dial', to: '+14155550123', on: { 'no-answer': 'ghost' } },
        '/steps/x/on/no-answer',
      ],
      [
        'a branch case',
        { verb: 'branch', cases: [{ if: { var: 'a', op: 'eq', value: '1' }, next: 'ghost' }] },
        '/steps/x/cases/0/next',
      ],
      [
        'a branch default',
        {
          verb: 'branch',
          cases: [{ if: { var: 'a', op: 'eq', value: '1' }, next: 'end' }],
          default: 'ghost',
        },
        '/steps/x/default',
      ],
      [
        'on_error',
        { verb: 'webhook', url: 'https://a.example', on_error: 'ghost' },
        '/steps/x/on_error',
      ],
      ['a record next', { verb: 'record', next: 'ghost' }, '/steps/x/next'],
    ];
    for (const [label, step, path] of cases) {
      it(`reports ${label} naming a missing step at ${path}`, () => {
        const flow = { start: 'x', steps: { x: step, end: { verb: 'hangup' } } };
        expect(errorsOf(flow)).to.deep.equal([missing(path, 'ghost')]);
      });
    }
  });

  describe('cycles', () => {
    it('rejects a loop with no step that waits for the caller, naming its steps', () => {
      const flow = {
        start: 'a',
        steps: {
          a: { verb: 'say', text: 'Hold on', next: 'b' },
          b: { verb: 'pause', seconds: 5, next: 'c' },
          c: { verb: 'set', variables: { x: '1' }, next: 'a' },
        },
      };
      expect(errorsOf(flow)).to.deep.equal([
        {
          path: '/steps/a',
          message:
            'steps a → b → c → a form a loop with no gather, record or dial; the call could spin forever',
        },
      ]);
    });

    it('rejects a step that moves to itself without waiting', () => {
      const flow = {
        start: 'a',
        steps: { a: { verb: 'webhook', url: 'https://a.example', next: 'a', on_error: 'a' } },
      };
      expect(errorsOf(flow).map((e) => e.path)).to.deep.equal(['/steps/a']);
    });

    it('reports each separate loop once', () => {
      const flow = {
        start: 'a',
        steps: {
          a: { verb: 'say', text: 'a', next: 'b' },
          b: { verb: 'say', text: 'b', next: 'a' },
          c: { verb: 'sms', body: 'c', next: 'd' },
          d: { verb: 'branch', cases: [{ if: { var: 'x', op: 'eq', value: 1 }, next: 'c' }] },
        },
      };
      expect(errorsOf(flow).map((e) => e.path)).to.deep.equal(['/steps/a', '/steps/c']);
    });

    for (const verb of ['gather', 'record', 'dial'] as const) {
      it(`accepts a loop that passes through a ${verb}`, () => {
        const waiting =
          verb === 'dial' ? { verb, to: '+14155550123', next: 'a' } : { verb, next: 'a' };
        const flow = {
          start: 'a',
          steps: { a: { verb: 'say', text: 'again', next: 'w' }, w: waiting },
        };
        expect(validateFlow(flow).valid).to.equal(true);
      });
    }
  });

  describe('step rules', () => {
    it('allows at most 4,000 characters of text in one step', () => {
      const flow = {
        start: 's',
        steps: { s: { verb: 'set', variables: { a: 'x'.repeat(2000), b: 'y'.repeat(2001) } } },
      };
      expect(errorsOf(flow)).to.deep.equal([
        { path: '/steps/s', message: 'has 4001 characters of text; a step may have at most 4000' },
      ]);
    });

    it('rejects a branch key containing the finish key', () => {
      const flow = {
        start: 'g',
        steps: { g: { verb: 'gather', num_digits: 2, branches: { '1#': 'g' } } },
      };
      expect(errorsOf(flow).map((e) => e.path)).to.deep.equal(['/steps/g/branches/1#']);
      const noFinish = {
        start: 'g',
        steps: { g: { verb: 'gather', num_digits: 2, finish_on_key: '', branches: { '1#': 'g' } } },
      };
      expect(validateFlow(noFinish).valid).to.equal(true);
    });

    it('rejects a branch key longer than num_digits', () => {
      const flow = { start: 'g', steps: { g: { verb: 'gather', branches: { '12': 'g' } } } };
      expect(errorsOf(flow)).to.deep.equal([
        {
          path: '/steps/g/branches/12',
          message: 'is longer than num_digits (1), so it can never be entered',
        },
      ]);
    });

    const conditions: Array<[string, string, unknown, string]> = [
      ['in without an array', 'in', 'a', 'must be an array for op "in"'],
      ['eq with an array', 'eq', ['a'], 'must be a string or a number for op "eq"'],
      ['gt with a word', 'gt', 'ten', 'must be a number for op "gt"'],
      [
        'matches with a number',
        'matches',
        5,
        'must be a regular expression string for op "matches"',
      ],
      ['matches with an invalid regex', 'matches', '([0-9]', 'is not a valid regular expression'],
      [
        'matches with a 201-character regex',
        'matches',
        'a'.repeat(201),
        'must be at most 200 characters',
      ],
      [
        'matches with nested repetition',
        'matches',
        '^(a+)+$',
        'is too costly to match: a repeated group must not contain a repetition or an alternation',
      ],
      [
        'matches with a back-reference',
        'matches',
        '(a)\\1',
        'is too costly to match: back-references are not allowed',
      ],
    ];
    for (const [label, op, value, message] of conditions) {
      it(`rejects ${label} at /steps/b/cases/0/if/value`, () => {
        const flow = {
          start: 'b',
          steps: {
            b: { verb: 'branch', cases: [{ if: { var: 'x', op, value }, next: 'end' }] },
            end: { verb: 'hangup' },
          },
        };
        expect(errorsOf(flow)).to.deep.equal([{ path: '/steps/b/cases/0/if/value', message }]);
      });
    }

    it('accepts gt with a numeric string and matches with a simple pattern', () => {
      const flow = {
        start: 'b',
        steps: {
          b: {
            verb: 'branch',
            cases: [
              { if: { var: 'x', op: 'gt', value: '10' }, next: 'end' },
              { if: { var: 'call.from', op: 'matches', value: '^\\+44[0-9]+$' }, next: 'end' },
            ],
          },
          end: { verb: 'hangup' },
        },
      };
      expect(validateFlow(flow).valid).to.equal(true);
    });
  });
});
