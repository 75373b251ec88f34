import { expect } from 'chai';
import fc from 'fast-check';
import { FLOW_VERBS, type FlowDefinition } from '../../src/flows/flow-types.js';
import type { FlowEvent } from '../../src/flows/interpreter/flow-events.js';
import { nextFlow, startFlow } from '../../src/flows/interpreter/run-flow.js';
import { simulateFlow } from '../../src/flows/simulate-flow.js';
import { validateFlow } from '../../src/flows/validate-flow.js';
import { CALL, EXAMPLE_NAMES, loadExample } from './flow-fixtures.js';

const NAMES = ['s0', 's1', 's2', 's3', 's4', 's5'];
const WAITS_FOR_CALLER = new Set(['gather', 'record', 'dial']);

/** A target for step `index`: steps that do not wait for the caller only point forward. */
function targetFor(index: number, verb: string): fc.Arbitrary<string | undefined> {
  const allowed = WAITS_FOR_CALLER.has(verb) ? NAMES : NAMES.slice(index + 1);
  return allowed.length === 0
    ? fc.constant(undefined)
    : fc.option(fc.constantFrom(...allowed), { nil: undefined });
}

const text = fc.constantFrom('Hi {{vars.a}}', 'Dial {{digits}}', '{{call.from}}', 'x');
const digitKey = fc.constantFrom('1', '2', '3', '*', '0');

function stepFor(index: number, verb: string): fc.Arbitrary<Record<string, unknown>> {
  const next = targetFor(index, verb);
  const shapes: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
    say: fc.record({
      text,
      next,
      loop: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    }),
    play: fc.record({ url: fc.constantFrom('sound:beep', 'https://a.example/x.wav'), next }),
    gather: fc.record({
      next,
      on_timeout: next,
      branches: fc.dictionary(digitKey, fc.constantFrom(...NAMES), { maxKeys: 3 }),
      max_attempts: fc.integer({ min: 1, max: 3 }),
      variable: fc.constantFrom('digits', 'a'),
    }),
    dial: fc.record({
      to: fc.constant('+14155550123'),
      next,
      on: fc.record({ busy: fc.constantFrom(...NAMES) }),
    }),
    record: fc.record({ next, variable: fc.constantFrom('a', 'recording_id') }),
    pause: fc.record({ seconds: fc.integer({ min: 1, max: 5 }), next }),
    set: fc.record({
      variables: fc.dictionary(fc.constantFrom('a', 'b'), text, { minKeys: 1 }),
      next,
    }),
    branch: fc.record({
      cases: fc.array(
        fc.record({
          if: fc.oneof(
            fc.record({
              var: fc.constantFrom('a', 'digits', 'call.from'),
              op: fc.constantFrom('eq', 'ne', 'gt', 'lt'),
              value: fc.constantFrom('1', 2),
            }),
            fc.record({
              var: fc.constant('a'),
              op: fc.constant('in'),
              value: fc.constant(['1', '2']),
            }),
            fc.record({
              var: fc.constant('a'),
              op: fc.constant('matches'),
              value: fc.constant('^[0-9]+$'),
            }),
          ),
          next: next.map((n) => n ?? 's5'),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      default: next,
    }),
    webhook: fc.record({ url: fc.constant('https://app.example/h'), next, on_error: next }),
    sms: fc.record({ body: text, next }),
    hangup: fc.constant({}),
  };
  return shapes[verb].map((fields) => {
    const step: Record<string, unknown> = { verb };
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) step[key] = value;
    return step;
  });
}

const flowArbitrary: fc.Arbitrary<unknown> = fc
  .tuple(...NAMES.map(() => fc.constantFrom(...FLOW_VERBS.filter((verb) => verb !== 'redirect'))))
  .chain((verbs) => fc.tuple(...verbs.map((verb, index) => stepFor(index, verb))))
  .map((steps) => ({
    start: 's0',
    variables: { a: '1' },
    steps: Object.fromEntries(steps.map((step, index) => [NAMES[index], step])),
  }));

const eventArbitrary: fc.Arbitrary<FlowEvent> = fc.oneof(
  fc.constant({ type: 'started' as const }),
  fc.constant({ type: 'play_finished' as const }),
  fc.constant({ type: 'timeout' as const }),
  fc.constant({ type: 'caller_hangup' as const }),
  fc.stringMatching(/^[0-9*#a]{0,4}$/).map((digits) => ({ type: 'digits' as const, digits })),
  fc
    .constantFrom('completed', 'busy', 'no-answer', 'failed', 'weird')
    .map((outcome) => ({ type: 'dial_result', outcome }) as FlowEvent),
  fc.record({
    type: fc.constant('recording_finished' as const),
    recording_id: fc.string(),
    digits: fc.option(fc.constantFrom('#', ''), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('http_response' as const),
    status: fc.oneof(fc.constantFrom(0, 200, 204, 404, 500), fc.integer()),
    body: fc.oneof(
      fc.anything(),
      fc.record({
        next: fc.constantFrom(...NAMES, 'nope'),
        variables: fc.dictionary(fc.string(), fc.jsonValue()),
      }),
    ),
  }),
);

/** An example flow with one value somewhere replaced by arbitrary JSON. */
const mutatedExample = fc
  .tuple(fc.constantFrom(...EXAMPLE_NAMES), fc.nat(), fc.jsonValue())
  .map(([name, pick, replacement]) => {
    const flow = loadExample(name) as unknown as Record<string, unknown>;
    const containers: Array<Record<string, unknown>> = [];
    const collect = (value: unknown) => {
      if (typeof value !== 'object' || value === null) return;
      containers.push(value as Record<string, unknown>);
      Object.values(value).forEach(collect);
    };
    collect(flow);
    const target = containers[pick % containers.length];
    const keys = Object.keys(target);
    if (keys.length > 0) target[keys[pick % keys.length]] = replacement;
    return flow;
  });

describe('flow properties', () => {
  it('validateFlow never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.jsonValue(), mutatedExample, flowArbitrary),
        (input) => {
          const result = validateFlow(input);
          if (!result.valid) {
            expect(result.errors.length).to.be.greaterThan(0);
            for (const error of result.errors)
              expect(error.path === '' || error.path.startsWith('/')).to.equal(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a valid flow fed any events never throws and keeps a sound, serialisable state', () => {
    fc.assert(
      fc.property(
        flowArbitrary,
        fc.array(eventArbitrary, { maxLength: 25 }),
        (candidate, events) => {
          const checked = validateFlow(candidate);
          fc.pre(checked.valid);
          const definition = (checked as { definition: FlowDefinition }).definition;
          let transition = startFlow(definition, { call: CALL });
          for (const event of events) {
            const wasEnded = transition.state.ended;
            transition = nextFlow(definition, transition.state, event);
            expect(JSON.parse(JSON.stringify(transition.state))).to.deep.equal(transition.state);
            expect(transition.state.steps_taken).to.be.at.most(1000);
            if (wasEnded) expect(transition.commands).to.deep.equal([]);
            const waiting = transition.commands.filter((c) => c.type !== 'send_sms');
            expect(waiting.length).to.be.at.most(1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the simulator finishes on any valid flow and any inputs', () => {
    fc.assert(
      fc.property(
        flowArbitrary,
        fc.array(fc.constantFrom('1', '2', '', '#', 'busy', 'hangup', '{"status":500}'), {
          maxLength: 8,
        }),
        (candidate, inputs) => {
          const checked = validateFlow(candidate);
          fc.pre(checked.valid);
          const result = simulateFlow((checked as { definition: FlowDefinition }).definition, {
            inputs,
          });
          expect(result.ended_by).to.be.a('string');
        },
      ),
      { numRuns: 100 },
    );
  });
});
