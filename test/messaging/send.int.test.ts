import { expect } from 'chai';
import { createSilentLogger } from '../../src/platform/index.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/index.js';
import { createTestProject, startApp, type TestApp, type TestProject } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';

interface Message {
  id: string;
  status: string;
  encoding: string;
  segments: number;
  error_code: string | null;
  body: string;
}

const NUMBER = '+14155550199';

describe('sending SMS through the sandbox SMSC', () => {
  let app: TestApp;
  let project: TestProject;
  let api: ReturnType<typeof clientFor>;
  let receiver: WebhookReceiver;

  const send = (body: Record<string, unknown>, headers?: Record<string, string>) =>
    api<Message>('POST', '/v1/messages', { body: { from: NUMBER, ...body }, headers });

  async function finalStatus(id: string, wanted: string[], timeoutMs = 8000): Promise<Message> {
    return eventually(async () => {
      const res = await api<Message>('GET', `/v1/messages/${id}`);
      return wanted.includes(res.body.status) ? res.body : undefined;
    }, timeoutMs);
  }

  const webhookStatuses = (id: string) =>
    receiver.events.filter((e) => (e.data as { id?: string })?.id === id).map((e) => e.type);

  before(async () => {
    app = await startApp();
    project = await createTestProject(app);
    api = clientFor(app.url, project.apiKey);
    receiver = createWebhookReceiver({
      secret: project.webhookSecret,
      logger: createSilentLogger(),
    });
    const { url } = await receiver.start();
    await api('PATCH', '/v1/project', { body: { webhook_url: url } });
    expect((await api('POST', '/v1/numbers', { body: { number: NUMBER } })).status).to.equal(201);
  });
  after(async () => {
    await receiver.stop();
    await app.stop();
  });

  it('delivers a GSM-7 message and reports every status by signed webhook', async () => {
    const res = await send({ to: '+14155550100', body: 'Hello from Trunkline {curly} €' });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ status: 'queued', encoding: 'GSM-7', segments: 1 });
    await finalStatus(res.body.id, ['delivered']);
    await eventually(async () =>
      webhookStatuses(res.body.id).includes('message.delivered') ? true : undefined,
    );
    expect(webhookStatuses(res.body.id)).to.deep.equal([
      'message.queued',
      'message.sending',
      'message.sent',
      'message.delivered',
    ]);
    expect(receiver.events.every((e) => e.verified)).to.equal(true);
    const submitted = app.runtime.services
      .sandboxSmsc()!
      .submissions()
      .find((s) => s.destination.endsWith('14155550100'));
    expect(submitted?.text).to.equal('Hello from Trunkline {curly} €');
  });

  it('writes the message, its event and its webhook in one statement, with no job to queue', async () => {
    const statements: string[] = [];
    const listen = (q: { sql: string }) => statements.push(q.sql);
    app.runtime.db.on('query', listen);
    try {
      expect((await send({ to: '+14155550109', body: 'one statement' })).status).to.equal(201);
    } finally {
      app.runtime.db.off('query', listen);
    }
    const saves = statements.filter((sql) => sql.includes('insert into messages ('));
    expect(saves).to.have.length(1);
    for (const table of ['events', 'webhook_deliveries']) {
      expect(saves[0], table).to.include(`insert into ${table}`);
    }
    expect(saves[0], 'no outbox row: the message row is the work to do').not.to.include('outbox');
  });

  it('moves messages to sending and sent together in few statements, each with one event and webhook', async () => {
    let sentWrites = 0;
    let sendingWrites = 0;
    const texts = new Set<string>();
    const count = (query: { sql: string }) => {
      if (query.sql.includes("set status = 'sent'")) sentWrites += 1;
      if (query.sql.includes('with moved as')) sendingWrites += 1;
      if (query.sql.startsWith('with write0 as') || query.sql.includes('with moved as')) {
        texts.add(query.sql);
      }
    };
    app.runtime.db.on('query', count);
    let ids: string[];
    try {
      const created = await Promise.all(
        Array.from({ length: 40 }, (_, i) => send({ to: '+14155550100', body: `batch ${i}` })),
      );
      ids = created.map((res) => res.body.id);
      await Promise.all(ids.map((id) => finalStatus(id, ['delivered'], 15_000)));
    } finally {
      app.runtime.db.off('query', count);
    }
    expect(sentWrites, 'statements that marked 40 messages sent').to.be.within(1, 39);
    expect(sendingWrites, 'statements that moved 40 messages to sending').to.be.within(1, 39);
    // Batches of any size share one text each (moves; sent with its events), so PostgreSQL
    // plans each once per connection instead of once per batch size.
    expect(texts.size, 'distinct texts of the batched writes').to.equal(2);
    for (const type of ['message.sending', 'message.sent']) {
      const events = await app.runtime
        .db('events')
        .whereIn('stream_id', ids)
        .where({ type })
        .select('stream_id');
      expect(events.map((e) => e.stream_id).sort(), type).to.deep.equal([...ids].sort());
    }
    await eventually(async () =>
      ids.every((id) => webhookStatuses(id).filter((t) => t === 'message.sent').length === 1)
        ? true
        : undefined,
    );
  });

  it('saves concurrent sends together, refusing only the opted-out recipient among them', async () => {
    const optedOut = '+14155550177';
    await app.runtime.db('opt_outs').insert({
      project_id: project.id,
      number: NUMBER,
      recipient: optedOut,
      created_at: new Date(),
    });
    let saves = 0;
    const texts = new Set<string>();
    const count = (query: { sql: string }) => {
      if (query.sql.includes('with inserted as')) {
        saves += 1;
        texts.add(query.sql);
      }
    };
    app.runtime.db.on('query', count);
    let answers: Array<{ status: number; body: Message }>;
    try {
      answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          send({ to: i === 7 ? optedOut : '+14155550100', body: `together ${i}` }),
        ),
      );
    } finally {
      app.runtime.db.off('query', count);
    }
    expect(answers.map((a) => a.status)).to.deep.equal(
      Array.from({ length: 30 }, (_, i) => (i === 7 ? 422 : 201)),
    );
    expect(saves, 'statements that saved 30 sends').to.be.within(1, 29);
    expect(texts.size, 'distinct texts of the saves, whatever their batch size').to.equal(1);
    const ids = answers.filter((a) => a.status === 201).map((a) => a.body.id);
    expect(await app.runtime.db('messages').whereIn('id', ids)).to.have.length(29);
    const queued = await app.runtime
      .db('events')
      .whereIn('stream_id', ids)
      .where({ type: 'message.queued' });
    expect(queued).to.have.length(29);
    await Promise.all(ids.map((id) => finalStatus(id, ['delivered'], 15_000)));
  });

  it('delivers a long UCS-2 message with emoji as concatenated parts, none lost', async () => {
    const body = 'Grüße 👋 from Trunkline — ' + 'emoji 🎉 and text '.repeat(12);
    const res = await send({ to: '+14155550101', body });
    expect(res.body.encoding).to.equal('UCS-2');
    expect(res.body.segments).to.be.greaterThan(3);
    const done = await finalStatus(res.body.id, ['delivered']);
    expect(done.body).to.equal(body);
    const submitted = app.runtime.services
      .sandboxSmsc()!
      .submissions()
      .find((s) => s.destination.endsWith('14155550101'));
    expect(submitted?.text).to.equal(body);
    expect(submitted?.parts).to.equal(res.body.segments);
  });

  it('sends a GSM message longer than five parts without truncating it', async function () {
    // Eight submits and eight receipts: give a loaded CI machine room.
    this.timeout(40_000);
    const body = 'x'.repeat(153 * 7 + 10);
    const res = await send({ to: '+14155550102', body });
    expect(res.body.segments).to.equal(8);
    await finalStatus(res.body.id, ['delivered'], 30_000);
    const submitted = app.runtime.services
      .sandboxSmsc()!
      .submissions()
      .find((s) => s.destination.endsWith('14155550102'));
    expect(submitted?.text).to.equal(body);
  });

  describe('magic destinations', () => {
    it('marks +15005550001 undelivered when the DLR says UNDELIV', async () => {
      const res = await send({ to: '+15005550001', body: 'undeliverable' });
      const done = await finalStatus(res.body.id, ['undelivered', 'delivered', 'failed']);
      expect(done.status).to.equal('undelivered');
      await eventually(async () =>
        webhookStatuses(res.body.id).includes('message.undelivered') ? true : undefined,
      );
    });

    it('fails +15005550002 at submit with the SMPP error code', async () => {
      const res = await send({ to: '+15005550002', body: 'rejected' });
      const done = await finalStatus(res.body.id, ['failed', 'delivered']);
      expect(done).to.include({ status: 'failed', error_code: 'smpp_invalid_destination' });
    });

    it('retries +15005550003 through two throttles and delivers it', async () => {
      const res = await send({ to: '+15005550003', body: 'throttled' });
      const done = await finalStatus(res.body.id, ['delivered', 'failed']);
      expect(done.status).to.equal('delivered');
    });

    it('sends a 5-part message to +15005550003 in seconds: a try that got parts accepted starts the back-off again', async () => {
      // Each part is throttled twice. Counted across parts, the tries' back-off grew to 30 s
      // and the message took two minutes to be sent.
      const started = Date.now();
      const res = await send({ to: '+15005550003', body: 'throttled part by part. '.repeat(30) });
      expect(res.body.segments).to.equal(5);
      const done = await finalStatus(res.body.id, ['delivered', 'failed']);
      expect(done.status).to.equal('delivered');
      expect(Date.now() - started).to.be.below(10_000);
    });

    it('leaves +15005550004 sent when no DLR ever comes, until a provider reports it by ingress', async () => {
      const res = await send({ to: '+15005550004', body: 'silent' });
      await finalStatus(res.body.id, ['sent']);
      await new Promise((r) => setTimeout(r, 300));
      expect((await api<Message>('GET', `/v1/messages/${res.body.id}`)).body.status).to.equal(
        'sent',
      );
    });
  });

  describe('bad input', () => {
    const cases: Array<[string, Record<string, unknown>, number, string?]> = [
      ['an invalid destination', { to: '+123', body: 'x' }, 422, 'invalid_to'],
      ['a destination without +', { to: '14155550100', body: 'x' }, 422, 'invalid_to'],
      [
        'a number the project does not own',
        { to: '+14155550100', from: '+14155550111', body: 'x' },
        422,
        'unknown_sender',
      ],
      [
        'a sender id too long',
        { to: '+14155550100', from: 'TwelveLetter', body: 'x' },
        422,
        'invalid_from',
      ],
      ['an empty body', { to: '+14155550100', body: '' }, 400],
      [
        'a body over 1,600 characters',
        { to: '+14155550100', body: 'a'.repeat(1601) },
        422,
        'body_too_long',
      ],
      [
        'send_at in the past',
        { to: '+14155550100', body: 'x', send_at: '2020-01-01T00:00:00Z' },
        422,
        'invalid_send_at',
      ],
      [
        'send_at 36 days ahead',
        {
          to: '+14155550100',
          body: 'x',
          send_at: new Date(Date.now() + 36 * 86400_000).toISOString(),
        },
        422,
        'invalid_send_at',
      ],
      [
        'a status_callback that is not a URL',
        { to: '+14155550100', body: 'x', status_callback: 'notaurl' },
        422,
        'invalid_callback_url',
      ],
      ['an unknown field', { to: '+14155550100', body: 'x', priority: 'high' }, 400],
      ['a wrong type', { to: 14155550100, body: 'x' }, 400],
    ];
    for (const [name, body, status, code] of cases) {
      it(`answers ${status} to ${name}`, async () => {
        const res = await send(body);
        expect(res.status).to.equal(status);
        if (code) expect(res.body).to.have.property('code', code);
        // API.md: a validation failure names its fields in `errors`.
        expect((res.body as unknown as { errors: unknown }).errors).to.be.an('array').that.is.not
          .empty;
      });
    }

    it('accepts an alphanumeric sender id', async () => {
      const res = await send({ to: '+14155550103', from: 'Trunkline', body: 'from a name' });
      expect(res.status).to.equal(201);
      await finalStatus(res.body.id, ['delivered']);
    });

    it("hides another project's message (404)", async () => {
      const mine = await send({ to: '+14155550104', body: 'mine' });
      const stranger = await createTestProject(app);
      const res = await clientFor(app.url, stranger.apiKey)('GET', `/v1/messages/${mine.body.id}`);
      expect(res.status).to.equal(404);
    });
  });

  it('makes a send idempotent with Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'sms-once' };
    const [a, b] = await Promise.all([
      send({ to: '+14155550105', body: 'once' }, headers),
      send({ to: '+14155550105', body: 'once' }, headers),
    ]);
    expect(a.body.id).to.equal(b.body.id);
    const list = await api<{ data: Message[] }>('GET', '/v1/messages?to=%2B14155550105');
    expect(list.body.data).to.have.length(1);
  });

  it('lists messages with filters and a cursor', async () => {
    const page = await api<{ data: Message[]; next_cursor: string }>(
      'GET',
      '/v1/messages?direction=outbound&limit=2',
    );
    expect(page.body.data).to.have.length(2);
    const next = await api<{ data: Message[] }>(
      'GET',
      `/v1/messages?direction=outbound&limit=2&cursor=${page.body.next_cursor}`,
    );
    expect(next.body.data[0].id < page.body.data[1].id).to.equal(true);
    const failed = await api<{ data: Message[] }>('GET', '/v1/messages?status=failed');
    expect(failed.body.data.every((m) => m.status === 'failed')).to.equal(true);
  });
});
