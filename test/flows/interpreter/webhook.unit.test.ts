import { expect } from 'chai';
import type { FlowEvent } from '../../../src/flows/interpreter/flow-events.js';
import { CALL, defineFlow, drive, driveToEnd } from '../flow-fixtures.js';

const flow = defineFlow(
  {
    ask: { verb: 'webhook', url: 'https://app.example/hook', on_error: 'sorry', next: 'main' },
    main: { verb: 'say', text: 'Main {{vars.name}}' },
    vip: { verb: 'say', text: 'VIP {{vars.name}}' },
    sorry: { verb: 'say', text: 'Sorry' },
  },
  { team: 'sales' },
);

const respond = (status: number, body?: unknown): FlowEvent => ({
  type: 'http_response',
  status,
  body,
});

describe('webhook', () => {
  it('asks the app with the call, the step and the variables', () => {
    const [start] = drive(flow, []);
    expect(start.commands).to.deep.equal([
      {
        type: 'http_request',
        url: 'https://app.example/hook',
        method: 'POST',
        timeout: 10,
        body: {
          call: { id: CALL.id, from: CALL.from, to: CALL.to },
          step: 'ask',
          variables: { team: 'sales' },
        },
      },
    ]);
  });

  it('fills the references of its url in, each value percent-encoded', () => {
    const templated = defineFlow(
      {
        ask: {
          verb: 'webhook',
          url: 'https://app.example/ivr/{{vars.team}}?from={{call.from}}&q={{vars.q}}',
          next: 'done',
        },
        done: { verb: 'hangup' },
      },
      { team: 'sales', q: 'a b&c' },
    );
    const [start] = drive(templated, []);
    const from = encodeURIComponent(CALL.from);
    expect(start.commands[0]).to.include({
      url: `https://app.example/ivr/sales?from=${from}&q=a%20b%26c`,
    });
  });

  it('applies the answer: variables and next', () => {
    const done = driveToEnd(flow, [
      respond(200, { variables: { name: 'Ada', n: 3, ok: true, x: {} }, next: 'vip' }),
    ]);
    expect(done.state.variables).to.deep.equal({ team: 'sales', name: 'Ada', n: '3', ok: 'true' });
    expect(done.entered[0]).to.deep.equal({
      step: 'ask',
      verb: 'webhook',
      outcome: 'ok',
      next: 'vip',
      details: { url: 'https://app.example/hook', status: 200 },
    });
    expect(done.commands[0]).to.deep.include({ media: { kind: 'tts', text: 'VIP Ada' } });
  });

  it('goes to next on a 2xx without a body', () => {
    expect(driveToEnd(flow, [respond(204)]).state.step).to.equal('main');
  });

  it('reads "next": null as no choice, and goes to the step\'s next with the variables', () => {
    const done = driveToEnd(flow, [respond(200, { next: null, variables: { name: 'Ada' } })]);
    expect(done.state.step).to.equal('main');
    expect(done.state.variables).to.deep.equal({ team: 'sales', name: 'Ada' });
  });

  for (const [label, event] of [
    ['a 500', respond(500, { next: 'vip' })],
    ['no answer (status 0)', respond(0)],
    ['a next naming no step', respond(200, { next: 'ghost', variables: { name: 'Eve' } })],
    ['a next that is not a string', respond(200, { next: 7 })],
  ] as const) {
    it(`goes to on_error after ${label}, leaving the variables alone`, () => {
      const done = driveToEnd(flow, [event]);
      expect(done.state.step).to.equal('sorry');
      expect(done.state.variables).to.deep.equal({ team: 'sales' });
    });
  }

  it('goes to next after a failure when there is no on_error', () => {
    const bare = defineFlow({
      ask: {
        verb: 'webhook',
        url: 'https://app.example/hook',
        method: 'GET',
        timeout: 2,
        next: 'main',
      },
      main: { verb: 'hangup' },
    });
    const [start, done] = drive(bare, [respond(503)]);
    expect(start.commands[0]).to.include({ method: 'GET', timeout: 2 });
    expect(done.entered[0]).to.include({ outcome: 'error', next: 'main' });
  });

  it('keeps at most 100 variables of at most 1,000 characters', () => {
    const many: Record<string, string> = { big: 'x'.repeat(2000), 'bad name': 'y' };
    for (let i = 0; i < 150; i += 1) many[`v${i}`] = String(i);
    const done = driveToEnd(flow, [respond(200, { variables: many })]);
    const names = Object.keys(done.state.variables);
    expect(names).to.have.length(100);
    expect(names).to.not.include('bad name');
    expect(done.state.variables.big).to.have.length(1000);
  });
});
