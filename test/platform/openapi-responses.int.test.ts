import { expect } from 'chai';
import { Webhook } from 'standardwebhooks';
import { createSilentLogger } from '../../src/platform/index.js';
import { createWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/index.js';
import { connectRealtime, refusedConnection } from '../chat/ws-client.js';
import { ADMIN_TOKEN, createTestProject, startApp, type TestApp } from '../support/harness.js';
import { call, clientFor, eventually } from '../support/http.js';
import { callInStatus } from '../voice/voice-fixtures.js';
import {
  createDescribedClient,
  createResponseContract,
  expressRoutes,
} from '../support/openapi-contract.js';

type Body = Record<string, unknown> & { id: string };

// Unique in the whole suite (+1415555098xx).
const NUMBER = '+14155550980';
const NEW_NUMBER = '+14155550981';
const DELETED_NUMBER = '+14155550982';
const SMS_TO = '+14155550983';
const CALL_TO = '+14155550984';
const SMS_PARTICIPANT = '+14155550985';
const CALLER = '+14155550986';

/** Waits for a key that never comes (30 s): the call stays live until someone hangs up. */
const WAIT_FOR_KEY = {
  start: 'menu',
  steps: {
    menu: { verb: 'gather', timeout: 30, branches: { '1': 'bye' } },
    bye: { verb: 'hangup' },
  },
};

/**
 * Keeps openapi.yaml honest: representative requests across the API, each answer checked
 * against the schema the document declares for its path, method and status, with every
 * described object closed (a field the server adds without documenting it fails); webhook
 * bodies against `x-webhooks`, realtime frames against `RealtimeServerFrame`, the server's
 * routes against `paths`, and every documented operation checked at least once.
 */
describe('openapi.yaml describes what the server answers', function () {
  this.timeout(30_000);
  const contract = createResponseContract();
  let app: TestApp;
  let key: string;
  let receiver: WebhookReceiver;
  let flowId: string;
  const tokens: Record<string, string> = {};
  const described = createDescribedClient(contract, () => ({ url: app.url, key }));
  const checked = described.checked;

  const created = async (method: string, path: string, body: unknown, as = key) => {
    const res = await call<Body>(app.url, method, path, { key: as, body });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  };

  before(async () => {
    app = await startApp();
    const project = await createTestProject(app, 'openapi');
    key = project.apiKey;
    receiver = createWebhookReceiver({
      secret: project.webhookSecret,
      logger: createSilentLogger(),
    });
    const { url } = await receiver.start();
    await app.runtime.services.accounts.updateProject(project.id, { webhook_url: url });
    flowId = (await created('POST', '/v1/flows', { name: 'wait', definition: WAIT_FOR_KEY })).id;
    await created('POST', '/v1/numbers', { number: NUMBER, voice_flow_id: flowId });
    for (const identity of ['alice', 'bob']) {
      tokens[identity] = (await created('POST', '/v1/tokens', { identity })).token as string;
    }
  });
  after(async () => {
    await receiver.stop();
    await app.stop();
  });

  describe('operator and project routes', () => {
    it('answers the project and API key routes of /admin/v1 with bodies their schemas describe exactly', async () => {
      const as = ADMIN_TOKEN;
      const made = await described('POST', '/admin/v1/projects', {
        as,
        status: 201,
        body: { name: 'described' },
      });
      const added = await described('POST', '/admin/v1/projects/{id}/keys', {
        as,
        status: 201,
        params: { id: made.body.id },
      });
      await described('DELETE', '/admin/v1/keys/{id}', {
        as,
        status: 200,
        params: { id: added.body.id },
      });
    });

    it('answers the connector routes and a signed provider event with bodies their schemas describe exactly', async () => {
      const as = ADMIN_TOKEN;
      const connector = await described('POST', '/admin/v1/connectors', {
        as,
        status: 201,
        body: { kind: 'http', name: 'provider', allowed_cidrs: ['127.0.0.1/32'] },
      });
      await described('GET', '/admin/v1/connectors', { as, status: 200 });
      const params = { id: connector.body.id };
      await described('GET', '/admin/v1/connectors/{id}', { as, status: 200, params });
      const rawBody = JSON.stringify({ provider_event_id: 'ev-1', provider_call_id: 'c-1' });
      const at = new Date();
      const headers = {
        'content-type': 'application/json',
        'webhook-id': 'ev-1',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(connector.body.secret as string).sign('ev-1', at, rawBody),
      };
      const ingress = { connector_id: connector.body.id, kind: 'call-event' };
      for (const duplicate of [false, true]) {
        const res = await described('POST', '/v1/ingress/{connector_id}/{kind}', {
          as: '',
          status: 200,
          params: ingress,
          rawBody,
          headers,
        });
        expect(res.body.duplicate).to.equal(duplicate);
      }
      await described('DELETE', '/admin/v1/connectors/{id}', { as, status: 204, params });
    });

    it('answers GET and PATCH /v1/project and the secret rotation with bodies their schemas describe exactly', async () => {
      const project = await described('GET', '/v1/project', { status: 200 });
      await described('PATCH', '/v1/project', {
        status: 200,
        body: { name: 'openapi', webhook_url: project.body.webhook_url },
      });
      await described('POST', '/v1/project/webhook-secret/rotate', { status: 200 });
    });

    it('answers every /v1/numbers route and GET /v1/usage with bodies their schemas describe exactly', async () => {
      await described('POST', '/v1/numbers', { status: 201, body: { number: NEW_NUMBER } });
      const doomed = await created('POST', '/v1/numbers', { number: DELETED_NUMBER });
      const params = { id: doomed.id };
      await described('GET', '/v1/numbers', { status: 200 });
      await described('GET', '/v1/numbers/{id}', { status: 200, params });
      await described('PATCH', '/v1/numbers/{id}', {
        status: 200,
        params,
        body: { help_text: 'Reply STOP to stop.' },
      });
      await described('DELETE', '/v1/numbers/{id}', { status: 204, params });
      await described('GET', '/v1/usage', {
        status: 200,
        query: 'start=2026-11-01&end=2026-11-03',
      });
    });
  });

  describe('messages and webhook deliveries', () => {
    it('answers POST /v1/messages, GET /v1/messages/{id} and the list with bodies their schemas describe exactly', async () => {
      const sent = await described('POST', '/v1/messages', {
        status: 201,
        body: { from: NUMBER, to: SMS_TO, body: 'Hello €' },
      });
      await described('GET', '/v1/messages/{id}', { status: 200, params: { id: sent.body.id } });
      await described('GET', '/v1/messages', { status: 200, query: `to=${SMS_TO}` });
    });

    it('answers DELETE /v1/messages/{id} with the canceled message, and 409 for one not scheduled', async () => {
      const sendAt = new Date(Date.now() + 3600_000).toISOString();
      const scheduled = await created('POST', '/v1/messages', {
        from: NUMBER,
        to: SMS_TO,
        body: 'later',
        send_at: sendAt,
      });
      const params = { id: scheduled.id };
      await described('DELETE', '/v1/messages/{id}', { status: 200, params });
      await described('DELETE', '/v1/messages/{id}', { status: 409, params });
    });

    it('answers POST /sandbox/v1/sms with a body its schema describes exactly', async () => {
      await described('POST', '/sandbox/v1/sms', {
        status: 202,
        body: { from: CALLER, to: NUMBER, body: 'hi there' },
      });
    });

    it('answers the webhook delivery log and a retry with bodies their schemas describe exactly', async () => {
      const delivery = await eventually(async () => {
        const res = await call<{ data: Body[] }>(app.url, 'GET', '/v1/webhook-deliveries', {
          key,
        });
        return res.body.data.find((d) => d.status === 'succeeded');
      });
      const params = { id: delivery.id };
      await described('GET', '/v1/webhook-deliveries', { status: 200, query: 'status=succeeded' });
      await described('GET', '/v1/webhook-deliveries/{id}', { status: 200, params });
      await described('POST', '/v1/webhook-deliveries/{id}/retry', { status: 202, params });
    });
  });

  describe('flows, calls and recordings', () => {
    it('answers every /v1/flows route with bodies their schemas describe exactly', async () => {
      const definition = WAIT_FOR_KEY;
      await described('POST', '/v1/flows/validate', { status: 200, body: { definition } });
      const flow = await described('POST', '/v1/flows', {
        status: 201,
        body: { name: 'menu', definition },
      });
      const params = { id: flow.body.id, version: '2' };
      await described('GET', '/v1/flows', { status: 200 });
      await described('GET', '/v1/flows/{id}', { status: 200, params });
      await described('POST', '/v1/flows/{id}/versions', {
        status: 201,
        params,
        body: { definition },
      });
      await described('GET', '/v1/flows/{id}/versions', { status: 200, params });
      await described('POST', '/v1/flows/{id}/versions/{version}/activate', {
        status: 200,
        params,
      });
      await described('POST', '/v1/flows/{id}/simulate', {
        status: 200,
        params,
        body: { inputs: ['1'], variables: { name: 'Ada' } },
      });
    });

    it('answers every /v1/calls route with bodies their schemas describe exactly', async () => {
      const placed = await described('POST', '/v1/calls', {
        status: 201,
        body: { from: NUMBER, to: CALL_TO, flow_id: flowId, timeout: 20 },
      });
      const params = { id: placed.body.id };
      await described('POST', '/v1/calls/{id}/redirect', {
        status: 200,
        params,
        body: { flow_id: flowId },
      });
      await described('POST', '/v1/calls/{id}/hangup', { status: 200, params });
      await described('GET', '/v1/calls/{id}', { status: 200, params });
      await described('GET', '/v1/calls', { status: 200, query: 'direction=outbound' });
      await described('GET', '/v1/calls/{id}/events', { status: 200, params });
    });

    it('answers the sandbox call routes and the recordings of a call with bodies their schemas describe exactly', async () => {
      const recorded = await created('POST', '/v1/calls', {
        from: NUMBER,
        to: CALL_TO,
        flow: WAIT_FOR_KEY,
        record: true,
      });
      await callInStatus(clientFor(app.url, key), recorded.id, 'in-progress');
      await described('POST', '/sandbox/v1/calls/{call_id}/dtmf', {
        status: 202,
        params: { call_id: recorded.id },
        body: { digits: '1' },
      });
      const inbound = await described('POST', '/sandbox/v1/calls', {
        status: 202,
        body: { from: CALLER, to: NUMBER },
      });
      const callId = inbound.body.call_id as string;
      await callInStatus(clientFor(app.url, key), callId, 'in-progress');
      await described('POST', '/sandbox/v1/calls/{call_id}/hangup', {
        status: 202,
        params: { call_id: callId },
      });
      const recording = await eventually(async () => {
        const res = await call<{ data: Body[] }>(app.url, 'GET', '/v1/recordings', { key });
        return res.body.data.find((r) => r.call_id === recorded.id);
      }, 8000);
      await described('GET', '/v1/recordings', { status: 200, query: `call_id=${recorded.id}` });
      await described('GET', '/v1/recordings/{id}', { status: 200, params: { id: recording.id } });
    });
  });

  describe('chat', () => {
    let conv: string;
    const alice = () => tokens.alice;

    before(async () => {
      conv = (
        await created('POST', '/v1/conversations', { type: 'group', members: ['bob'] }, alice())
      ).id;
    });

    it('answers POST /v1/tokens and every /v1/conversations route with bodies their schemas describe exactly', async () => {
      await described('POST', '/v1/tokens', { status: 201, body: { identity: 'dave', ttl: 600 } });
      const direct = { type: 'direct', members: ['alice', 'bob'] };
      await described('POST', '/v1/conversations', { status: 201, as: alice(), body: direct });
      await described('POST', '/v1/conversations', { status: 200, as: alice(), body: direct });
      const doomed = await described('POST', '/v1/conversations', {
        status: 201,
        body: { type: 'group', name: 'doomed', members: [{ identity: 'bob', role: 'admin' }] },
      });
      await described('GET', '/v1/conversations', { status: 200, as: alice() });
      await described('GET', '/v1/conversations', { status: 200, query: 'include_archived=true' });
      const params = { id: conv };
      await described('GET', '/v1/conversations/{id}', { status: 200, as: alice(), params });
      await described('PATCH', '/v1/conversations/{id}', {
        status: 200,
        as: alice(),
        params,
        body: { name: 'team', attributes: { topic: 'openapi' } },
      });
      await described('DELETE', '/v1/conversations/{id}', {
        status: 200,
        params: { id: doomed.body.id },
      });
    });

    it('answers the member routes, for an identity and an SMS participant, with bodies their schemas describe exactly', async () => {
      const params = { id: conv, identity: 'carol' };
      const members = '/v1/conversations/{id}/members';
      await described('POST', members, { status: 201, params, body: { identity: 'carol' } });
      await described('POST', members, {
        status: 201,
        params,
        body: { phone_number: SMS_PARTICIPANT, proxy_number: NUMBER },
      });
      await described('DELETE', `${members}/{identity}`, { status: 204, params });
    });

    it('answers every chat message route with bodies their schemas describe exactly', async () => {
      const messages = '/v1/conversations/{id}/messages';
      const one = `${messages}/{mid}`;
      const body = { body: 'hello @bob', client_id: 'c-1' };
      const sent = await described('POST', messages, {
        status: 201,
        as: alice(),
        params: { id: conv },
        body,
      });
      await described('POST', messages, { status: 200, as: alice(), params: { id: conv }, body });
      const params = { id: conv, mid: sent.body.id, emoji: '👍' };
      await described('GET', messages, { status: 200, as: alice(), params, query: 'limit=2' });
      await described('PATCH', one, { status: 200, as: alice(), params, body: { body: 'edited' } });
      for (const method of ['POST', 'DELETE']) {
        await described(method, `${one}/reactions/{emoji}`, {
          status: 200,
          as: tokens.bob,
          params,
        });
        await described(method, `${one}/pin`, { status: 200, as: alice(), params });
      }
      const target = await created('POST', '/v1/conversations', { type: 'group' }, alice());
      const forward = { conversation_id: target.id, client_id: 'f-1' };
      await described('POST', `${one}/forward`, {
        status: 201,
        as: alice(),
        params,
        body: forward,
      });
      await described('POST', `${one}/forward`, {
        status: 200,
        as: alice(),
        params,
        body: forward,
      });
      await described('DELETE', one, { status: 200, as: alice(), params });
    });

    it('answers read, unread, settings and search with bodies their schemas describe exactly', async () => {
      const latest = await created(
        'POST',
        `/v1/conversations/${conv}/messages`,
        { body: 'findable words' },
        alice(),
      );
      const params = { id: conv, identity: 'bob' };
      const as = tokens.bob;
      await described('POST', '/v1/conversations/{id}/read', {
        status: 200,
        as,
        params,
        body: { message_id: latest.id },
      });
      await described('GET', '/v1/unread', { status: 200, as });
      await described('GET', '/v1/unread', { status: 200, query: 'identity=alice' });
      await described('GET', '/v1/unread', { status: 400 });
      const settings = '/v1/identities/{identity}/settings';
      await described('GET', settings, { status: 200, as, params });
      const body = { read_receipts_private: true };
      await described('PATCH', settings, { status: 200, as, params, body });
      await described('GET', '/v1/search/messages', { status: 200, as, query: 'q=findable' });
      await described('GET', '/v1/search/messages', { status: 200, query: 'q=findable' });
    });

    it('answers the three file routes, before and after the upload, with bodies their schemas describe exactly', async () => {
      const bytes = Buffer.from('plain words\n');
      const declared = await described('POST', '/v1/files', {
        status: 201,
        as: alice(),
        body: { filename: 'notes.txt', content_type: 'text/plain', size: bytes.length },
      });
      const params = { id: declared.body.id };
      await described('GET', '/v1/files/{id}', { status: 200, as: alice(), params });
      const upload = await fetch(declared.body.upload_url as string, {
        method: 'PUT',
        body: new Uint8Array(bytes),
        headers: { 'content-type': 'text/plain' },
      });
      expect(upload.status).to.equal(200);
      await described('POST', '/v1/files/{id}/complete', { status: 200, as: alice(), params });
      const ready = await described('GET', '/v1/files/{id}', { status: 200, as: alice(), params });
      expect(ready.body.download_url).to.be.a('string');
    });

    it('pushes realtime frames that RealtimeServerFrame describes exactly', async () => {
      const socket = await connectRealtime(app.url, alice());
      try {
        const message = await created(
          'POST',
          `/v1/conversations/${conv}/messages`,
          { body: 'live' },
          tokens.bob,
        );
        await socket.waitFor((f) => f.data.id === message.id);
        socket.send({ type: 'ping' });
        await socket.waitFor((f) => f.type === 'pong');
        for (const frame of socket.frames) {
          expect(contract.checkFrame(frame), JSON.stringify(frame)).to.deep.equal([]);
        }
      } finally {
        await socket.close();
      }
    });
  });

  describe('errors', () => {
    it('answers 400, 401, 403, 404, 409, 413, 415 and 422 with problems the operations list', async () => {
      const json = { 'content-type': 'application/json' };
      await described('POST', '/v1/messages', { status: 400, body: { to: SMS_TO } });
      await described('GET', '/v1/messages', { status: 401, as: 'tk_not_a_key' });
      await described('GET', '/v1/messages', { status: 403, as: tokens.alice });
      await described('GET', '/v1/messages/{id}', { status: 404, params: { id: 'msg_none' } });
      await described('POST', '/v1/numbers', { status: 409, body: { number: NUMBER } });
      await described('POST', '/v1/messages', {
        status: 413,
        rawBody: JSON.stringify({ body: 'x'.repeat(1_100_000) }),
        headers: json,
      });
      await described('POST', '/v1/messages', {
        status: 415,
        rawBody: 'hello',
        headers: { 'content-type': 'text/plain' },
      });
      await described('POST', '/v1/calls', { status: 422, body: { from: NUMBER, to: CALL_TO } });
      await described('POST', '/v1/messages', {
        status: 422,
        body: { from: '+14155550999', to: SMS_TO, body: 'not ours' },
      });
    });

    it('answers 429 over the rate limit with a problem the operation lists', async () => {
      const limited = await createTestProject(app, 'limited');
      await app.runtime.services.accounts.updateProject(limited.id, { rate_limit_per_second: 1 });
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          call(app.url, 'GET', '/v1/project', { key: limited.apiKey }),
        ),
      );
      const refused = answers.find((res) => res.status === 429);
      expect(refused, 'one of six requests in a second refused').to.not.equal(undefined);
      expect(contract.checkResponse('GET', '/v1/project', refused!)).to.deep.equal([]);
    });
  });

  describe('service routes and realtime refusals', () => {
    it('answers the health, metrics and document routes as the document says', async () => {
      for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
        await described('GET', path, { as: '', status: 200 });
      }
      const params = { file: `${'0'.repeat(64)}.wav` };
      await described('GET', '/media/tts/{file}', { as: '', status: 404, params });
    });

    it('answers /v1/realtime without an upgrade with 404, and with a bad token with 401, as listed', async () => {
      await described('GET', '/v1/realtime', { as: '', status: 404 });
      const refused = await refusedConnection(app.url, 'not-a-token');
      expect(refused.status).to.equal(401);
      expect(contract.checkResponse('GET', '/v1/realtime', refused)).to.deep.equal([]);
    });
  });

  describe('the document as a whole', () => {
    it('sends webhooks whose bodies the x-webhooks entry of their type describes exactly', async () => {
      const wanted = [
        'message.delivered',
        'message.received',
        'call.completed',
        'recording.completed',
        'conversation.created',
        'conversation.archived',
        'conversation.member.joined',
        'conversation.member.left',
        'conversation.message.created',
        'conversation.message.deleted',
        'conversation.reaction.added',
      ];
      await eventually(async () => {
        const seen = new Set(receiver.events.map((e) => e.type));
        return wanted.every((type) => seen.has(type)) ? true : undefined;
      }, 10_000).catch((err) => {
        const seen = new Set(receiver.events.map((e) => e.type));
        throw new Error(`no ${wanted.filter((t) => !seen.has(t))} webhook: ${err}`);
      });
      for (const event of receiver.events) {
        expect(event.verified, event.body).to.equal(true);
        expect(contract.checkWebhook(event), event.body).to.deep.equal([]);
      }
    });

    it('documents every route the server serves, and no other', () => {
      const served = expressRoutes(app.runtime.app.router);
      const elsewhere = ['GET /v1/realtime', 'POST /v1/ingress/{connector_id}/{kind}'];
      expect([...served, ...elsewhere].sort()).to.deep.equal(contract.operations().sort());
    });

    it('has checked an answer of every operation the document describes', () => {
      expect(contract.operations().filter((op) => !checked.has(op))).to.deep.equal([]);
    });
  });
});
