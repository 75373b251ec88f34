import { expect } from 'chai';
import { createSilentLogger } from '../../src/platform/index.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/index.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';
import { SAY_AND_END, uniqueNumber, callInStatus, type Api } from './voice-fixtures.js';

const WAIT_FOREVER = {
  start: 'menu',
  steps: {
    menu: {
      verb: 'gather',
      timeout: 60,
      prompt: { verb: 'say', text: 'Press a key.' },
      branches: { '1': 'bye' },
      next: 'menu',
    },
    bye: { verb: 'hangup' },
  },
};

describe('/v1/calls', () => {
  let app: TestApp;
  let api: Api;
  let other: Api;
  let from: string;
  let receiver: WebhookReceiver;

  async function place(body: Record<string, unknown>) {
    return api('POST', '/v1/calls', {
      body: { to: '+14155550100', from, flow: SAY_AND_END, ...body },
    });
  }

  const statusOf = (callId: string, wanted: string, timeoutMs?: number) =>
    callInStatus(api, callId, wanted, timeoutMs);

  before(async () => {
    app = await startApp();
    const project = await createTestProject(app, 'calls');
    api = clientFor(app.url, project.apiKey);
    other = clientFor(app.url, (await createTestProject(app, 'calls-other')).apiKey);
    receiver = createWebhookReceiver({
      secret: project.webhookSecret,
      logger: createSilentLogger(),
    });
    const { url } = await receiver.start();
    await app.runtime.services.accounts.updateProject(project.id, { webhook_url: url });
    from = uniqueNumber();
    await api('POST', '/v1/numbers', { body: { number: from } });
  });
  after(async () => {
    await receiver.stop();
    await app.stop();
  });

  describe('when the request is wrong', () => {
    it('answers 422 invalid_number for a destination that is not E.164', async () => {
      const res = await place({ to: '12345' });
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('invalid_number');
    });

    it('answers 422 unknown_caller_id when from is not a number of the project', async () => {
      const res = await place({ from: '+14155550999' });
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('unknown_caller_id');
    });

    it('answers 422 unknown_flow for a flow id the project does not have', async () => {
      const res = await place({ flow: undefined, flow_id: 'flow_01J00000000000000000000000' });
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('unknown_flow');
    });

    it("answers 422 unknown_flow for another project's flow", async () => {
      const theirs = await other('POST', '/v1/flows', {
        body: { name: 'x', definition: SAY_AND_END },
      });
      const res = await place({ flow: undefined, flow_id: theirs.body.id });
      expect(res.body.code).to.equal('unknown_flow');
    });

    it('answers 422 when both or neither of flow_id and flow are given', async () => {
      expect((await place({ flow: undefined })).body.code).to.equal('flow_required');
      expect((await place({ flow_id: 'flow_x' })).body.code).to.equal('flow_conflict');
    });

    it('answers 422 invalid_flow with pointers under /flow for an invalid inline flow', async () => {
      const res = await place({ flow: { start: 'x', steps: { a: { verb: 'hangup' } } } });
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('invalid_flow');
      expect(res.body.errors).to.deep.include({
        path: '/flow/start',
        message: 'names step "x", which does not exist',
      });
    });

    it('answers 422 flow_too_large for an inline flow over 64 KB', async () => {
      const steps = Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [
          `s${i}`,
          { verb: 'say', text: 'x'.repeat(3900), ...(i < 19 && { next: `s${i + 1}` }) },
        ]),
      );
      const res = await place({ flow: { start: 's0', steps } });
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('flow_too_large');
    });

    it('answers 400 to unknown fields', async () => {
      expect((await place({ colour: 'red' })).status).to.equal(400);
    });
  });

  it('runs an inline flow to the end: completed, with duration and webhooks', async () => {
    const created = await place({});
    expect(created.status).to.equal(201);
    expect(created.body).to.include({ status: 'queued', flow_id: null, flow_version: null });
    const done = await statusOf(created.body.id as string, 'completed');
    expect(done.duration).to.be.a('number');
    expect(done.answered_at).to.be.a('string');
    const got = await receiver.waitFor(
      (e) => e.type === 'call.completed' && (e.data as { id: string }).id === created.body.id,
      5000,
    );
    expect(got.verified).to.equal(true);
  });

  it('pages the timeline oldest first with limit and cursor, each entry once', async () => {
    const created = await place({});
    const id = created.body.id as string;
    await statusOf(id, 'completed');
    const whole = await api('GET', `/v1/calls/${id}/events`);
    const all = (whole.body.data as { id: string }[]).map((e) => e.id);
    expect(all.length).to.be.at.least(3);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `limit=1&cursor=${cursor}` : 'limit=1';
      const page = await api('GET', `/v1/calls/${id}/events?${query}`);
      expect(page.body.data).to.have.length(1);
      seen.push((page.body.data as { id: string }[])[0].id);
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    expect(seen).to.deep.equal(all);
    expect((await api('GET', `/v1/calls/${id}/events?limit=201`)).status).to.equal(400);
    expect((await api('GET', `/v1/calls/${id}/events?cursor=x`)).status).to.equal(400);
  });

  it('saves a placed call, its originate job and its first timeline entry in one statement', async () => {
    const statements: string[] = [];
    const listen = (q: { sql: string }) => statements.push(q.sql);
    app.runtime.db.on('query', listen);
    let callId: string;
    try {
      callId = (await place({})).body.id as string;
    } finally {
      app.runtime.db.off('query', listen);
    }
    const saves = statements.filter((sql) => sql.includes('insert into "calls"'));
    expect(saves).to.have.length(1);
    expect(saves[0]).to.include('insert into outbox').and.to.include('insert into events');
    const [first] = await app.runtime
      .db('events')
      .where({ stream_id: callId })
      .orderBy('stream_version');
    expect(first).to.include({ type: 'call.queued', stream_version: 1 });
  });

  for (const [to, status] of [
    ['+15005550005', 'busy'],
    ['+15005550007', 'failed'],
    ['+15005550006', 'no-answer'],
  ]) {
    it(`ends a call to ${to} as ${status}, with a call.${status} webhook`, async () => {
      const created = await place({ to, timeout: 5 });
      const ended = await statusOf(created.body.id as string, status);
      expect(ended.duration).to.equal(0);
      expect(ended.answered_at).to.equal(null);
      await receiver.waitFor(
        (e) => e.type === `call.${status}` && (e.data as { id: string }).id === created.body.id,
        5000,
      );
    });
  }

  describe('POST /v1/calls/{id}/hangup', () => {
    it('hangs up an answered call: completed, its step ended by api_hangup', async () => {
      const created = await place({ flow: WAIT_FOREVER });
      await statusOf(created.body.id as string, 'in-progress');
      const res = await api('POST', `/v1/calls/${created.body.id}/hangup`);
      expect(res.status).to.equal(200);
      const ended = await statusOf(created.body.id as string, 'completed');
      expect(ended.hangup_cause).to.equal('normal_clearing');
      const timeline = await api<{ data: Array<{ step?: string; outcome?: string }> }>(
        'GET',
        `/v1/calls/${created.body.id}/events`,
      );
      const steps = timeline.body.data.filter((e) => e.step);
      expect(steps.at(-1)).to.deep.include({ step: 'menu', outcome: 'api_hangup' });
    });

    it('cancels a call that is still ringing', async () => {
      const created = await place({ to: '+15005550006', timeout: 30 });
      await statusOf(created.body.id as string, 'ringing');
      await api('POST', `/v1/calls/${created.body.id}/hangup`);
      await statusOf(created.body.id as string, 'canceled');
    });

    it('answers 409 call_finished for a call that has ended', async () => {
      const created = await place({});
      await statusOf(created.body.id as string, 'completed');
      const res = await api('POST', `/v1/calls/${created.body.id}/hangup`);
      expect(res.status).to.equal(409);
      expect(res.body.code).to.equal('call_finished');
    });
  });

  describe('when the call names a flow by id', () => {
    const SAY_TWO = {
      start: 'hello',
      steps: { hello: { verb: 'say', text: 'Version two.', next: 'bye' }, bye: { verb: 'hangup' } },
    };

    it('runs the version active when it is placed, also one another process has just activated', async () => {
      const flow = await api('POST', '/v1/flows', { body: { name: 'v', definition: SAY_AND_END } });
      const flowId = flow.body.id as string;
      await api('POST', `/v1/flows/${flowId}/versions`, { body: { definition: SAY_TWO } });
      const first = await place({ flow: undefined, flow_id: flowId });
      expect(first.body.flow_version).to.equal(1);
      // Another API process activates version 2: this one's memory of version 1 is now stale.
      await app.runtime.db('call_flows').where({ id: flowId }).update({ active_version: 2 });
      const second = await place({ flow: undefined, flow_id: flowId });
      expect(second.status).to.equal(201);
      expect(second.body.flow_version).to.equal(2);
      const row = await app.runtime.db('calls').where({ id: second.body.id }).first();
      expect(row.flow_definition).to.deep.equal(SAY_TWO);
      await api('POST', `/v1/flows/${flowId}/versions/1/activate`);
      const third = await place({ flow: undefined, flow_id: flowId });
      expect(third.body.flow_version).to.equal(1);
      const timeline = await api<{ data: { type: string }[] }>(
        'GET',
        `/v1/calls/${second.body.id}/events`,
      );
      expect(timeline.body.data.filter((e) => e.type === 'call.queued')).to.have.length(1);
    });
  });

  it('redirects an answered call into another flow, the step it left ending redirected', async () => {
    const target = await api('POST', '/v1/flows', {
      body: { name: 'after', definition: SAY_AND_END },
    });
    const created = await place({ flow: WAIT_FOREVER });
    await statusOf(created.body.id as string, 'in-progress');
    const res = await api('POST', `/v1/calls/${created.body.id}/redirect`, {
      body: { flow_id: target.body.id },
    });
    expect(res.status).to.equal(200);
    await statusOf(created.body.id as string, 'completed');
    const events = await api<{ data: { type: string; step?: string; outcome?: string }[] }>(
      'GET',
      `/v1/calls/${created.body.id}/events`,
    );
    expect(events.body.data.map((e) => e.type)).to.include('call.redirected');
    const steps = events.body.data.filter((e) => e.step).map((e) => `${e.step}:${e.outcome}`);
    expect(steps[0]).to.equal('menu:redirected');
    expect(steps.slice(1).map((s) => s.split(':')[0])).to.deep.equal(['hello', 'bye']);
  });

  it('notes on the timeline why a call ends when its flow redirects to no flow', async () => {
    const missing = 'flow_01M97NHJFVFBD95SYP6CJ0Q4CF';
    const created = await place({
      flow: { start: 'away', steps: { away: { verb: 'redirect', flow_id: missing } } },
    });
    await statusOf(created.body.id as string, 'completed');
    const events = await api<{ data: { type: string; data?: Record<string, unknown> }[] }>(
      'GET',
      `/v1/calls/${created.body.id}/events`,
    );
    const note = events.body.data.find((e) => e.type === 'flow.redirect_failed');
    expect(note?.data).to.deep.equal({ flow_id: missing, code: 'unknown_flow' });
  });

  it('lists calls with filters, newest first', async () => {
    const busy = await place({ to: '+15005550005' });
    await statusOf(busy.body.id as string, 'busy');
    const list = await api<{ data: { id: string; status: string }[] }>(
      'GET',
      '/v1/calls?status=busy&direction=outbound&to=%2B15005550005',
    );
    expect(list.status).to.equal(200);
    expect(list.body.data[0].id).to.equal(busy.body.id);
    expect(list.body.data.every((c) => c.status === 'busy')).to.equal(true);
    expect((await api('GET', '/v1/calls?status=nonsense')).status).to.equal(400);
  });

  it("answers 404 for another project's call on every route", async () => {
    const created = await place({});
    const id = created.body.id as string;
    expect((await other('GET', `/v1/calls/${id}`)).status).to.equal(404);
    expect((await other('GET', `/v1/calls/${id}/events`)).status).to.equal(404);
    expect((await other('POST', `/v1/calls/${id}/hangup`)).status).to.equal(404);
    const redirect = { body: { flow_id: 'flow_01J00000000000000000000000' } };
    expect((await other('POST', `/v1/calls/${id}/redirect`, redirect)).status).to.equal(404);
    expect(
      (await other('POST', `/sandbox/v1/calls/${id}/dtmf`, { body: { digits: '1' } })).status,
    ).to.equal(404);
    expect((await other('POST', `/sandbox/v1/calls/${id}/hangup`)).status).to.equal(404);
    expect((await other('GET', `/v1/recordings?call_id=${id}`)).body.data).to.deep.equal([]);
  });

  describe('sandbox', () => {
    it('answers 400 to DTMF outside 0-9*#', async () => {
      const created = await place({ flow: WAIT_FOREVER });
      await statusOf(created.body.id as string, 'in-progress');
      for (const digits of ['A', '12x', '', '1 2']) {
        const res = await api('POST', `/sandbox/v1/calls/${created.body.id}/dtmf`, {
          body: { digits },
        });
        expect(res.status, digits).to.equal(400);
      }
      await api('POST', `/sandbox/v1/calls/${created.body.id}/dtmf`, { body: { digits: '1' } });
      await statusOf(created.body.id as string, 'completed');
    });

    it('answers 422 for a call to a number of no project', async () => {
      const res = await api('POST', '/sandbox/v1/calls', {
        body: { from: '+14155550177', to: '+14155550998' },
      });
      expect(res.status).to.equal(422);
    });

    it('answers 409 to keys for a call that has ended', async () => {
      const created = await place({});
      await statusOf(created.body.id as string, 'completed');
      const res = await api('POST', `/sandbox/v1/calls/${created.body.id}/dtmf`, {
        body: { digits: '1' },
      });
      expect(res.status).to.equal(409);
    });
  });

  it('serves rendered speech as audio/wav with an ETag and Cache-Control', async () => {
    const dir = `${app.runtime.config.dataDir}/tts`;
    const { readdirSync } = await import('node:fs');
    const file = readdirSync(dir).find((name) => name.endsWith('.wav'));
    expect(file, 'a say has been rendered by now').to.be.a('string');
    const res = await fetch(`${app.url}/media/tts/${file}`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('audio/wav');
    expect(res.headers.get('cache-control')).to.contain('max-age');
    const etag = res.headers.get('etag')!;
    const again = await fetch(`${app.url}/media/tts/${file}`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).to.equal(304);
    expect((await fetch(`${app.url}/media/tts/${'0'.repeat(64)}.wav`)).status).to.equal(404);
    expect((await fetch(`${app.url}/media/tts/..%2Fsecret.wav`)).status).to.equal(404);
  });
});
