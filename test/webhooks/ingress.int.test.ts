import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { Webhook } from 'standardwebhooks';
import { ADMIN_TOKEN, startApp, type TestApp } from '../support/harness.js';
import { call } from '../support/http.js';

interface Connector {
  id: string;
  secret: string;
}

describe('provider ingress', () => {
  let app: TestApp;
  let connector: Connector;

  async function createConnector(body: Record<string, unknown>): Promise<Connector> {
    const res = await call<Connector>(app.url, 'POST', '/admin/v1/connectors', {
      key: ADMIN_TOKEN,
      body,
    });
    expect(res.status).to.equal(201);
    return res.body;
  }

  /** A request of exactly these body bytes, signed under `secret`. */
  function signedRaw(secret: string, body: string, at = new Date(), id = `msg_${Math.random()}`) {
    const signature = new Webhook(secret).sign(id, at, body);
    return {
      rawBody: body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      },
    };
  }

  const signed = (secret: string, payload: unknown, at?: Date, id?: string) =>
    signedRaw(secret, JSON.stringify(payload), at, id);

  const post = (
    kind: string,
    request: { rawBody: string | Uint8Array<ArrayBuffer>; headers: Record<string, string> },
    id = connector.id,
  ) => call(app.url, 'POST', `/v1/ingress/${id}/${kind}`, request);

  const storedCount = async (providerEventId: string) =>
    Number(
      (
        await app.runtime
          .db('ingress_events')
          .where({ provider_event_id: providerEventId })
          .count<{ count: string }[]>('* as count')
      )[0].count,
    );

  before(async () => {
    app = await startApp();
    connector = await createConnector({
      kind: 'http',
      name: 'carrier',
      allowed_cidrs: ['127.0.0.0/8', '::1/128'],
    });
  });
  after(() => app.stop());

  it('stores a signed DLR once and schedules its processing', async () => {
    const event = { provider_event_id: 'evt-1', provider_message_id: 'm-1', status: 'delivered' };
    const res = await post('dlr', signed(connector.secret, event));
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ received: true, duplicate: false });
    expect(await storedCount('evt-1')).to.equal(1);
    const job = await app.runtime
      .db('outbox')
      .whereRaw("payload->>'provider_event_id' = ?", ['evt-1'])
      .first();
    expect(job).to.include({ queue: 'ingress', name: 'ingress.dlr' });
  });

  it('answers a replay 200 and changes nothing', async () => {
    const event = {
      provider_event_id: 'evt-replay',
      provider_message_id: 'm-2',
      status: 'delivered',
    };
    expect((await post('dlr', signed(connector.secret, event))).body.duplicate).to.equal(false);
    const again = await post('dlr', signed(connector.secret, event));
    expect(again.status).to.equal(200);
    expect(again.body.duplicate).to.equal(true);
    expect(await storedCount('evt-replay')).to.equal(1);
  });

  it('turns 50 concurrent copies of one event into one row and one job', async () => {
    const event = {
      provider_event_id: 'evt-burst',
      provider_message_id: 'm-3',
      status: 'delivered',
    };
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => post('dlr', signed(connector.secret, event))),
    );
    expect(responses.every((r) => r.status === 200)).to.equal(true);
    expect(responses.filter((r) => r.body.duplicate === false)).to.have.length(1);
    expect(await storedCount('evt-burst')).to.equal(1);
    const jobs = await app.runtime
      .db('outbox')
      .whereRaw("payload->>'provider_event_id' = ?", ['evt-burst'])
      .count<{ count: string }[]>('* as count');
    expect(Number(jobs[0].count)).to.equal(1);
  });

  it('stores each of 60 concurrent distinct events once, with three copies of each', async () => {
    const events = Array.from({ length: 60 }, (_, i) => ({
      provider_event_id: `evt-mixed-${i}`,
      provider_message_id: `m-mixed-${i}`,
      status: 'delivered',
    }));
    const requests = events.flatMap((event) =>
      [1, 2, 3].map(() => post('dlr', signed(connector.secret, event))),
    );
    const responses = await Promise.all(requests);
    expect(responses.every((r) => r.status === 200)).to.equal(true);
    expect(responses.filter((r) => r.body.duplicate === false)).to.have.length(60);
    const stored = await app.runtime
      .db('ingress_events')
      .where('provider_event_id', 'like', 'evt-mixed-%')
      .count<{ count: string }[]>('* as count');
    expect(Number(stored[0].count)).to.equal(60);
    const jobs = await app.runtime
      .db('outbox')
      .whereRaw("payload->>'provider_event_id' like 'evt-mixed-%'")
      .select<{ id: string }[]>('id');
    expect(jobs).to.have.length(60);
  });

  it('answers 401 to unsigned, wrongly signed, tampered and stale requests', async () => {
    const event = { provider_event_id: 'evt-bad', status: 'delivered' };
    const good = signed(connector.secret, event);
    const unsigned = { rawBody: good.rawBody, headers: { 'content-type': 'application/json' } };
    const wrongKey = signed(
      'whsec_' + Buffer.from('another secret of 24 by').toString('base64'),
      event,
    );
    const tampered = {
      rawBody: good.rawBody.replace('delivered', 'failed'),
      headers: good.headers,
    };
    const stale = signed(connector.secret, event, new Date(Date.now() - 6 * 60_000));
    const future = signed(connector.secret, event, new Date(Date.now() + 6 * 60_000));
    for (const [name, request] of Object.entries({ unsigned, wrongKey, tampered, stale, future })) {
      const res = await post('dlr', request);
      expect(res.status, name).to.equal(401);
      expect(res.headers.get('content-type'), name).to.contain('application/problem+json');
    }
    expect(await storedCount('evt-bad')).to.equal(0);
  });

  it("answers 403 to an address outside the connector's allow-list", async () => {
    const remote = await createConnector({
      kind: 'http',
      name: 'remote',
      allowed_cidrs: ['203.0.113.0/24'],
    });
    const res = await post(
      'dlr',
      signed(remote.secret, { provider_event_id: 'evt-ip' }),
      remote.id,
    );
    expect(res.status).to.equal(403);
    expect(res.body.code).to.equal('ip_not_allowed');
  });

  it('answers 400 to schema-violating bodies, 415 to non-JSON and 413 to oversized ones', async () => {
    const missingId = await post('dlr', signed(connector.secret, { status: 'delivered' }));
    expect(missingId.status).to.equal(400);
    expect(missingId.body.errors).to.deep.include({
      path: '/provider_event_id',
      message: 'is required',
    });
    const badKind = await post('fax', signed(connector.secret, { provider_event_id: 'x' }));
    expect(badKind.status).to.equal(400);
    const text = signed(connector.secret, { provider_event_id: 'x' });
    const notJson = await post('dlr', {
      rawBody: 'provider_event_id=x',
      headers: { ...text.headers, 'content-type': 'text/plain' },
    });
    expect(notJson.status).to.equal(415);
    const huge = await post(
      'dlr',
      signed(connector.secret, { provider_event_id: 'big', pad: 'x'.repeat(1_200_000) }),
    );
    expect(huge.status).to.equal(413);
    const malformed = await post('dlr', {
      rawBody: '{"provider_event_id":',
      headers: text.headers,
    });
    expect(malformed.status).to.equal(400);
  });

  it('answers 404 for an unknown connector', async () => {
    const res = await post(
      'dlr',
      signed(connector.secret, { provider_event_id: 'x' }),
      'con_01JAAAAAAAAAAAAAAAAAAAAAAA',
    );
    expect(res.status).to.equal(404);
  });

  it('answers 404 to a path id that cannot be a connector id without asking the database', async () => {
    const asked: string[] = [];
    const listen = (query: { sql: string }) => asked.push(query.sql);
    app.runtime.db.on('query', listen);
    try {
      for (const id of [
        `con_${'x'.repeat(12_000)}`,
        'con_short',
        'msg_01JAAAAAAAAAAAAAAAAAAAAAAA',
      ]) {
        const res = await post('dlr', signed(connector.secret, { provider_event_id: 'y' }), id);
        expect(res.status, id.slice(0, 20)).to.equal(404);
      }
    } finally {
      app.runtime.db.off('query', listen);
    }
    expect(asked.filter((sql) => sql.includes('connectors'))).to.deep.equal([]);
  });

  it('counts accepted and refused events under the route in /metrics', async () => {
    await post('dlr', signed(connector.secret, { provider_event_id: 'evt-metrics' }));
    await post('dlr', { rawBody: '{}', headers: { 'content-type': 'application/json' } });
    const metrics = (await call(app.url, 'GET', '/metrics')).text;
    for (const status of ['200', '401']) {
      expect(metrics).to.contain(
        `http_requests_total{method="POST",route="/v1/ingress/:connector_id/:kind",status="${status}"}`,
      );
    }
  });

  it('lists connectors newest first in pages, without their secrets', async () => {
    const made = [
      await createConnector({ kind: 'http', name: 'page-a' }),
      await createConnector({ kind: 'http', name: 'page-b' }),
    ];
    const first = await call<{ data: Array<Record<string, unknown>>; next_cursor: string }>(
      app.url,
      'GET',
      '/admin/v1/connectors?limit=1',
      { key: ADMIN_TOKEN },
    );
    expect(first.status).to.equal(200);
    expect(first.body.data.map((c) => c.id)).to.deep.equal([made[1].id]);
    expect(first.body.data[0]).to.not.have.property('secret');
    const second = await call<{ data: Array<{ id: string }> }>(
      app.url,
      'GET',
      `/admin/v1/connectors?limit=1&cursor=${first.body.next_cursor}`,
      { key: ADMIN_TOKEN },
    );
    expect(second.body.data.map((c) => c.id)).to.deep.equal([made[0].id]);
    const refused = await call(app.url, 'GET', '/admin/v1/connectors?limit=0', {
      key: ADMIN_TOKEN,
    });
    expect(refused.status).to.equal(400);
  });

  it('refuses an invalid CIDR when a connector is registered (422)', async () => {
    const res = await call(app.url, 'POST', '/admin/v1/connectors', {
      key: ADMIN_TOKEN,
      body: { kind: 'http', name: 'x', allowed_cidrs: ['10.0.0.0/99'] },
    });
    expect(res.status).to.equal(422);
    expect(res.body.errors).to.deep.include({
      path: '/allowed_cidrs/0',
      message: 'is not a CIDR such as 203.0.113.0/24',
    });
  });

  describe('served ahead of Express', () => {
    it('echoes a sane X-Request-Id and makes one for a request without it', async () => {
      const request = signed(connector.secret, { provider_event_id: 'evt-rid' });
      const given = await post('dlr', {
        ...request,
        headers: { ...request.headers, 'x-request-id': 'carrier-42' },
      });
      expect(given.headers.get('x-request-id')).to.equal('carrier-42');
      const made = await post('dlr', signed(connector.secret, { provider_event_id: 'evt-rid2' }));
      expect(made.headers.get('x-request-id')).to.match(/^req_/);
    });

    it('answers a malformed percent-escape in the path 400, not 500', async () => {
      const res = await post(
        'dlr',
        signed(connector.secret, { provider_event_id: 'x' }),
        '%E0%A4%A',
      );
      expect(res.status).to.equal(400);
      expect(res.headers.get('content-type')).to.contain('application/problem+json');
    });

    it('reads a gzip, deflate or br body as Express routes do; 415 to another coding or charset', async () => {
      const codings = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
      for (const [coding, compress] of Object.entries(codings)) {
        const request = signed(connector.secret, { provider_event_id: `evt-${coding}` });
        const res = await post('dlr', {
          rawBody: compress(request.rawBody),
          headers: { ...request.headers, 'content-encoding': coding },
        });
        expect(res.status, coding).to.equal(200);
        expect(await storedCount(`evt-${coding}`), coding).to.equal(1);
      }
      const request = signed(connector.secret, { provider_event_id: 'evt-enc' });
      const compress = await post('dlr', {
        ...request,
        headers: { ...request.headers, 'content-encoding': 'compress' },
      });
      expect(compress.status).to.equal(415);
      const inherited = await post('dlr', {
        ...request,
        headers: { ...request.headers, 'content-encoding': 'constructor' },
      });
      expect(inherited.status, 'a name Object.prototype has').to.equal(415);
      const notGzip = await post('dlr', {
        ...request,
        headers: { ...request.headers, 'content-encoding': 'gzip' },
      });
      expect(notGzip.status).to.equal(400);
      expect(notGzip.headers.get('content-type')).to.contain('application/problem+json');
      const latin1 = await post('dlr', {
        ...request,
        headers: { ...request.headers, 'content-type': 'application/json; charset=iso-8859-1' },
      });
      expect(latin1.status).to.equal(415);
      expect(await storedCount('evt-enc')).to.equal(0);
    });

    it('answers 413 to a compressed body over 1 MB once decoded', async () => {
      const big = JSON.stringify({ provider_event_id: 'evt-bomb', pad: ' '.repeat(2_000_000) });
      const request = signedRaw(connector.secret, big);
      const res = await post('dlr', {
        rawBody: gzipSync(big),
        headers: { ...request.headers, 'content-encoding': 'gzip' },
      });
      expect(res.status).to.equal(413);
      expect(await storedCount('evt-bomb')).to.equal(0);
    });

    it('reads an empty body as {} (400: provider_event_id is required) and refuses U+0000', async () => {
      const empty = await post('dlr', signedRaw(connector.secret, ''));
      expect(empty.status).to.equal(400);
      expect(empty.body.errors).to.deep.include({
        path: '/provider_event_id',
        message: 'is required',
      });
      const nul = await post('dlr', signed(connector.secret, { provider_event_id: 'a\u0000b' }));
      expect(nul.status).to.equal(400);
      expect(nul.body.code).to.equal('nul_character');
    });

    it('answers 400 to a body nested too deep to store, and stores nothing', async () => {
      const depth = 100_000;
      const rawBody = `{"provider_event_id":"evt-deep","pad":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const res = await post('dlr', signedRaw(connector.secret, rawBody));
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('too_deep');
      expect(await storedCount('evt-deep')).to.equal(0);
    });

    it('accepts the path with a trailing slash and in any case, as Express routes do', async () => {
      const request = signed(connector.secret, { provider_event_id: 'evt-path' });
      const res = await call(app.url, 'POST', `/V1/Ingress/${connector.id}/dlr/`, request);
      expect(res.status).to.equal(200);
      expect(await storedCount('evt-path')).to.equal(1);
    });

    it('leaves other methods on the path to the API, which answers 404', async () => {
      const res = await call(app.url, 'GET', `/v1/ingress/${connector.id}/dlr`);
      expect(res.status).to.equal(404);
      expect(res.headers.get('content-type')).to.contain('application/problem+json');
    });
  });

  describe('the client address', () => {
    const viaProxy = (request: { rawBody: string; headers: Record<string, string> }) => ({
      ...request,
      headers: { ...request.headers, 'x-forwarded-for': '203.0.113.7, 10.0.0.1' },
    });
    let remote: Connector;
    before(async () => {
      remote = await createConnector({
        kind: 'http',
        name: 'behind a proxy',
        allowed_cidrs: ['203.0.113.0/24'],
      });
    });

    it('ignores X-Forwarded-For unless TRUST_PROXY is set', async () => {
      const event = { provider_event_id: 'evt-xff-untrusted' };
      const res = await post('dlr', viaProxy(signed(remote.secret, event)), remote.id);
      expect(res.status).to.equal(403);
    });

    it('checks the first X-Forwarded-For address against the allow-list under TRUST_PROXY', async () => {
      const proxied = await startApp({ env: { TRUST_PROXY: 'true' } });
      try {
        const event = { provider_event_id: 'evt-xff-trusted' };
        const path = `/v1/ingress/${remote.id}/dlr`;
        const res = await call(proxied.url, 'POST', path, viaProxy(signed(remote.secret, event)));
        expect(res.status).to.equal(200);
        const direct = await call(proxied.url, 'POST', path, signed(remote.secret, event));
        expect(direct.status).to.equal(403);
      } finally {
        await proxied.stop();
      }
    });
  });
});
