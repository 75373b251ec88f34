import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { createSilentLogger } from '../../src/platform/index.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/index.js';
import {
  createTestProject,
  startApp,
  wipeRedis,
  type TestApp,
  type TestProject,
} from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';

const FAST_RETRIES = { WEBHOOK_RETRY_DELAYS: '0.05,0.05,0.05,0.05' };

describe('webhook deliveries', () => {
  let app: TestApp;
  let project: TestProject;
  let receiver: WebhookReceiver;
  let receiverUrl: string;
  let answers: number[];

  async function emit(
    type: string,
    data: Record<string, unknown> = {},
    urls?: string[],
  ): Promise<string> {
    const { events, scheduleWebhook } = app.runtime.services;
    return app.runtime.db.transaction(async (trx) => {
      const [event] = await events.append(trx, {
        projectId: project.id,
        streamType: 'test',
        streamId: `test_${Date.now()}_${Math.random()}`,
        events: [{ type, data }],
      });
      await scheduleWebhook(trx, {
        projectId: project.id,
        event: { id: event.id, type, createdAt: event.createdAt, data },
        urls,
      });
      return event.id;
    });
  }

  before(async () => {
    app = await startApp({ env: FAST_RETRIES });
    project = await createTestProject(app);
    receiver = createWebhookReceiver({
      secret: project.webhookSecret,
      logger: createSilentLogger(),
      respond: (_event, attempt) => answers[attempt - 1] ?? 200,
    });
    receiverUrl = (await receiver.start()).url;
    await app.runtime.services.accounts.updateProject(project.id, { webhook_url: receiverUrl });
  });
  beforeEach(() => {
    answers = [];
  });
  after(async () => {
    await receiver.stop();
    await app.stop();
  });

  it('POSTs a signed event that the standardwebhooks package verifies', async () => {
    const id = await emit('message.delivered', { id: 'msg_1', status: 'delivered' });
    const got = await receiver.waitFor((e) => e.id === id, 5000);
    expect(got.verified).to.equal(true);
    expect(got.type).to.equal('message.delivered');
    expect(JSON.parse(got.body)).to.include({ id, type: 'message.delivered' });
    expect(got.data).to.deep.equal({ id: 'msg_1', status: 'delivered' });
  });

  it('retries a receiver that fails three times, is accepted once, with the same webhook-id every time', async () => {
    answers = [503, 500, 502];
    const id = await emit('message.sent');
    await receiver.waitFor((e) => e.id === id && e.status === 200, 5000);
    const attempts = receiver.events.filter((e) => e.id === id);
    expect(attempts.map((e) => e.status)).to.deep.equal([503, 500, 502, 200]);
    expect(attempts.every((e) => e.verified)).to.equal(true);
    const api = clientFor(app.url, project.apiKey);
    const delivery = await eventually(async () => {
      const list = await api<{ data: Array<{ id: string; event_id: string; status: string }> }>(
        'GET',
        '/v1/webhook-deliveries?status=succeeded',
      );
      return list.body.data.find((d) => d.event_id === id);
    });
    const detail = await api<{ attempts: Array<{ status_code: number; latency_ms: number }> }>(
      'GET',
      `/v1/webhook-deliveries/${delivery.id}`,
    );
    expect(detail.body.attempts.map((a) => a.status_code)).to.deep.equal([503, 500, 502, 200]);
    expect(detail.body.attempts.every((a) => a.latency_ms >= 0)).to.equal(true);
  });

  it('retries a 410 Gone like any other non-2xx (API.md), until the receiver accepts', async () => {
    answers = [410, 410];
    const id = await emit('message.failed');
    await receiver.waitFor((e) => e.id === id && e.status === 200, 5000);
    const attempts = receiver.events.filter((e) => e.id === id);
    expect(attempts.map((e) => e.status)).to.deep.equal([410, 410, 200]);
  });

  it('dead-letters a delivery after the last attempt and sends it once more on manual retry', async () => {
    answers = [500, 500, 500, 500, 500];
    const id = await emit('message.undelivered');
    const api = clientFor(app.url, project.apiKey);
    const failed = await eventually(async () => {
      const list = await api<{
        data: Array<{ id: string; event_id: string; attempt_count: number; status: string }>;
      }>('GET', '/v1/webhook-deliveries?event_type=message.undelivered');
      const found = list.body.data.find((d) => d.event_id === id);
      return found?.status === 'failed' ? found : undefined;
    });
    expect(failed.attempt_count).to.equal(5);
    answers = [];
    const retried = await api('POST', `/v1/webhook-deliveries/${failed.id}/retry`);
    expect(retried.status).to.equal(202);
    expect(retried.body.status).to.equal('pending');
    const again = await api('POST', `/v1/webhook-deliveries/${failed.id}/retry`);
    expect([409, 202]).to.include(again.status);
    await eventually(async () => {
      const detail = await api('GET', `/v1/webhook-deliveries/${failed.id}`);
      return detail.body.status === 'succeeded' ? true : undefined;
    });
  });

  it('signs with both secrets for 24 hours after a rotation', async () => {
    const api = clientFor(app.url, project.apiKey);
    const rotated = await api('POST', '/v1/project/webhook-secret/rotate');
    const id = await emit('message.queued');
    const got = await receiver.waitFor((e) => e.id === id, 5000);
    expect(got.headers['webhook-signature'].split(' ')).to.have.length(2);
    const fresh = new Webhook(rotated.body.webhook_secret as string);
    expect(() => fresh.verify(got.body, got.headers)).not.to.throw();
    expect(got.verified).to.equal(true);
  });

  it("prefers the resource's callback URL over the project's", async () => {
    const other = createWebhookReceiver({
      secret: project.webhookSecret,
      logger: createSilentLogger(),
    });
    const { url } = await other.start();
    try {
      const id = await emit('call.completed', {}, [url]);
      await other.waitFor((e) => e.id === id, 5000);
      expect(receiver.events.some((e) => e.id === id)).to.equal(false);
    } finally {
      await other.stop();
    }
  });

  it('logs an answer holding NUL bytes and invalid UTF-8, and sends the delivery once', async () => {
    let calls = 0;
    const binary = createServer((req, res) => {
      calls += 1;
      req.resume();
      res.writeHead(200).end(Buffer.from([0x6f, 0x6b, 0x00, 0xff, 0x21]));
    });
    await new Promise<void>((resolve) => binary.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(binary.address() as AddressInfo).port}/hook`;
    try {
      const id = await emit('message.sent', {}, [url]);
      const { db } = app.runtime;
      const delivery = await eventually(async () => {
        const row = await db('webhook_deliveries').where({ event_id: id }).first();
        return row?.status === 'succeeded' ? row : undefined;
      }, 5000);
      const attempts = await db('webhook_attempts').where({ delivery_id: delivery.id });
      expect(attempts).to.have.length(1);
      // PostgreSQL text cannot hold U+0000; it is kept as U+FFFD, as an invalid byte is.
      expect(attempts[0].response_snippet).to.equal('ok\uFFFD\uFFFD!');
      expect(calls).to.equal(1);
    } finally {
      await new Promise<void>((resolve) => binary.close(() => resolve()));
    }
  });

  it('logs an answer of quotes, backslashes and emoji as sent, and only its first 1 KB', async () => {
    const answers = ['{"ok":"yes \\"quoted\\" C:\\\\dir 👋"}', 'é'.repeat(700)];
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200).end(answers.shift());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      const snippets: string[] = [];
      for (const type of ['message.sent', 'message.delivered']) {
        const id = await emit(type, {}, [url]);
        const { db } = app.runtime;
        const delivery = await eventually(async () => {
          const row = await db('webhook_deliveries').where({ event_id: id }).first();
          return row?.status === 'succeeded' ? row : undefined;
        }, 5000);
        const [attempt] = await db('webhook_attempts').where({ delivery_id: delivery.id });
        snippets.push(attempt.response_snippet);
      }
      expect(snippets[0]).to.equal('{"ok":"yes \\"quoted\\" C:\\\\dir 👋"}');
      // 1,024 bytes are 512 two-byte characters: the cut falls between two of them.
      expect(snippets[1]).to.equal('é'.repeat(512));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("hides another project's deliveries (404) and refuses a tampered cursor (400)", async () => {
    const stranger = await createTestProject(app);
    const api = clientFor(app.url, project.apiKey);
    const mine = await api<{ data: Array<{ id: string }> }>(
      'GET',
      '/v1/webhook-deliveries?limit=1',
    );
    const theirs = clientFor(app.url, stranger.apiKey);
    expect((await theirs('GET', `/v1/webhook-deliveries/${mine.body.data[0].id}`)).status).to.equal(
      404,
    );
    expect(
      (await theirs('POST', `/v1/webhook-deliveries/${mine.body.data[0].id}/retry`)).status,
    ).to.equal(404);
    expect((await api('GET', '/v1/webhook-deliveries?cursor=bm90LWEtY3Vyc29y')).status).to.equal(
      400,
    );
    expect((await api('GET', '/v1/webhook-deliveries?limit=500')).status).to.equal(400);
    expect((await api('GET', '/v1/webhook-deliveries?status=lost')).status).to.equal(400);
  });

  it('pages through the log with next_cursor', async () => {
    const api = clientFor(app.url, project.apiKey);
    const first = await api<{ data: Array<{ id: string }>; next_cursor: string }>(
      'GET',
      '/v1/webhook-deliveries?limit=2',
    );
    expect(first.body.data).to.have.length(2);
    const second = await api<{ data: Array<{ id: string }> }>(
      'GET',
      `/v1/webhook-deliveries?limit=2&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.data[0].id < first.body.data[1].id).to.equal(true);
  });
});

describe('webhook deliveries across a crash and a Redis wipe', () => {
  it('loses no delivery when the worker dies mid-run and Redis is wiped', async () => {
    let app = await startApp({ env: { WEBHOOK_RETRY_DELAYS: '0.3,0.3,0.3' } });
    const project = await createTestProject(app);
    let down = true;
    const receiver = createWebhookReceiver({
      secret: project.webhookSecret,
      logger: createSilentLogger(),
      respond: () => (down ? 503 : 200),
    });
    const { url } = await receiver.start();
    await app.runtime.services.accounts.updateProject(project.id, { webhook_url: url });
    const ids: string[] = [];
    try {
      await app.runtime.db.transaction(async (trx) => {
        for (let i = 0; i < 5; i++) {
          const [event] = await app.runtime.services.events.append(trx, {
            projectId: project.id,
            streamType: 'test',
            streamId: `crash_${i}_${Date.now()}`,
            events: [{ type: 'message.sent', data: { i } }],
          });
          await app.runtime.services.scheduleWebhook(trx, {
            projectId: project.id,
            event: { id: event.id, type: event.type, createdAt: event.createdAt, data: event.data },
          });
          ids.push(event.id);
        }
      });
      await eventually(async () =>
        new Set(receiver.events.map((e) => e.id)).size === 5 ? true : undefined,
      );
      await app.stop();
      await wipeRedis();
      down = false;
      app = await startApp({ env: { WEBHOOK_RETRY_DELAYS: '0.3,0.3,0.3' } });
      for (const id of ids) await receiver.waitFor((e) => e.id === id && e.status === 200, 8000);
      const accepted = receiver.events.filter((e) => e.status === 200).map((e) => e.id);
      expect(accepted.sort()).to.deep.equal([...ids].sort());
    } finally {
      await receiver.stop();
      await app.stop();
    }
  });
});
