import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { createSilentLogger } from '../../src/platform/index.js';
import { createWebhookSender, type WebhookSender } from '../../src/webhooks/http-sender.js';
import { createGuardedConnector } from '../../src/webhooks/url-guard.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const BIG = Buffer.alloc(5 * 1024 * 1024, 'x');
const seen: string[] = [];

const routes: Record<string, Handler> = {
  '/ok': (_req, res) => res.writeHead(200).end('thanks'),
  '/fail': (_req, res) => res.writeHead(500).end('database down'),
  '/gone': (_req, res) => res.writeHead(410).end(),
  '/hang': () => undefined,
  '/drop': (req) => req.socket.destroy(),
  '/partial': (req) => {
    req.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf a bo');
    setTimeout(() => req.socket.destroy(), 10);
  },
  '/slow-body': (_req, res) => {
    res.writeHead(202, { 'content-length': '100' });
    res.write('accepted, then silence');
  },
  '/redirect': (_req, res) => res.writeHead(302, { location: '/ok' }).end(),
  '/big': (_req, res) => {
    res.writeHead(500, { 'content-length': String(BIG.length) });
    res.end(BIG);
  },
  '/endless': (_req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024, 'y');
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  },
  '/utf8': (_req, res) => res.writeHead(400).end('{"error":"numéro invalide ☎"}'),
};

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

describe('createWebhookSender', () => {
  let server: Server;
  let base: string;
  let sender: WebhookSender;
  const send = (path: string, body = '{"type":"message.sent"}') =>
    sender.send({
      url: base + path,
      headers: { 'content-type': 'application/json', 'webhook-id': 'evt_1' },
      body,
    });

  before(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      seen.push(path);
      req.resume();
      req.on('end', () => (routes[path] ?? routes['/gone'])(req, res));
    });
    base = `http://127.0.0.1:${await listen(server)}`;
    sender = createWebhookSender({
      allowPrivate: true,
      timeoutMs: 300,
      logger: createSilentLogger(),
    });
  });

  after(async () => {
    await close(server);
    await sender.close();
  });

  beforeEach(() => {
    seen.length = 0;
  });

  it('reports success with the status, latency and the response text for a 2xx', async () => {
    const result = await send('/ok');
    expect(result).to.include({
      outcome: 'success',
      statusCode: 200,
      error: null,
      responseSnippet: 'thanks',
    });
    expect(result.latencyMs).to.be.a('number').within(0, 300);
  });

  it('reports retry for a 500 and keeps its body', async () => {
    expect(await send('/fail')).to.include({
      outcome: 'retry',
      statusCode: 500,
      responseSnippet: 'database down',
    });
  });

  it('reports a 410 Gone as one more failure to retry, as API.md retries any non-2xx', async () => {
    expect(await send('/gone')).to.include({ outcome: 'retry', statusCode: 410 });
  });

  it('gives up on a receiver that never answers, with error timeout', async () => {
    const started = performance.now();
    const result = await send('/hang');
    expect(result).to.deep.include({
      outcome: 'retry',
      statusCode: null,
      error: 'timeout',
      responseSnippet: null,
    });
    expect(performance.now() - started).to.be.within(280, 600);
  });

  it('reports retry when the connection is closed before a response', async () => {
    const result = await send('/drop');
    expect(result).to.include({ outcome: 'retry', statusCode: null });
    expect(result.error).to.equal('connection closed before the response was complete');
  });

  it('keeps the status when the connection drops in the middle of the body', async () => {
    const result = await send('/partial');
    expect(result).to.include({
      outcome: 'success',
      statusCode: 200,
      responseSnippet: 'half a bo',
    });
    expect(result.error).to.match(/^reading the response body: /);
  });

  it('caps the whole attempt, body included, by the timeout', async () => {
    const started = performance.now();
    const result = await send('/slow-body');
    expect(result).to.include({
      outcome: 'success',
      statusCode: 202,
      responseSnippet: 'accepted, then silence',
    });
    expect(result.error).to.equal('reading the response body: timeout');
    expect(performance.now() - started).to.be.within(280, 600);
  });

  it('does not follow a redirect: a 302 is a failed attempt', async () => {
    const result = await send('/redirect');
    expect(result).to.include({ outcome: 'retry', statusCode: 302 });
    expect(seen).to.deep.equal(['/redirect']);
  });

  it('keeps only the first 1 KB of a 5 MB response and returns quickly', async () => {
    const started = performance.now();
    const result = await send('/big');
    expect(result.responseSnippet).to.equal('x'.repeat(1024));
    expect(result.outcome).to.equal('retry');
    expect(result.error).to.equal(null);
    expect(performance.now() - started).to.be.below(280);
  });

  it('stops reading an endless body after 1 KB instead of waiting for the timeout', async () => {
    const result = await send('/endless');
    expect(result).to.include({
      outcome: 'success',
      error: null,
      responseSnippet: 'y'.repeat(1024),
    });
    expect(result.latencyMs).to.be.below(250);
  });

  it('decodes the snippet as UTF-8', async () => {
    expect((await send('/utf8')).responseSnippet).to.equal('{"error":"numéro invalide ☎"}');
  });

  it('reports connection refused for a port nobody listens on', async () => {
    const idle = createServer();
    const port = await listen(idle);
    await close(idle);
    const result = await sender.send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}' });
    expect(result).to.include({ outcome: 'retry', statusCode: null, error: 'connection refused' });
  });

  it('posts the body and headers it was given', async () => {
    const received: { method?: string; body?: string; id?: string } = {};
    const echo = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        Object.assign(received, { method: req.method, body, id: req.headers['webhook-id'] });
        res.writeHead(204).end();
      });
    });
    const port = await listen(echo);
    const result = await sender.send({
      url: `http://127.0.0.1:${port}/x`,
      headers: { 'webhook-id': 'evt_7' },
      body: '{"a":1}',
    });
    await close(echo);
    expect(result.outcome).to.equal('success');
    expect(received).to.deep.equal({ method: 'POST', body: '{"a":1}', id: 'evt_7' });
  });

  it('never throws, even for a URL undici cannot use', async () => {
    const result = await sender.send({ url: 'notaurl', headers: {}, body: '' });
    expect(result.outcome).to.equal('retry');
    expect(result.error).to.be.a('string');
  });

  describe('with allowPrivate false', () => {
    let guarded: WebhookSender;
    before(() => {
      guarded = createWebhookSender({
        allowPrivate: false,
        timeoutMs: 300,
        logger: createSilentLogger(),
        lookup: async (host) => (host === 'rebound.test' ? ['127.0.0.1'] : []),
      });
    });
    after(() => guarded.close());

    it('refuses to connect to a loopback receiver', async () => {
      const result = await guarded.send({ url: `${base}/ok`, headers: {}, body: '{}' });
      expect(result).to.include({ outcome: 'retry', statusCode: null });
      expect(result.error).to.match(/^refused: 127\.0\.0\.1 .*not a public address/);
      expect(seen).to.deep.equal([]);
    });

    it('re-checks DNS at connect time, so a name rebound to loopback is refused', async () => {
      const port = new URL(base).port;
      const result = await guarded.send({
        url: `http://rebound.test:${port}/ok`,
        headers: {},
        body: '{}',
      });
      expect(result.error).to.match(/^refused: rebound\.test resolves to 127\.0\.0\.1/);
      expect(seen).to.deep.equal([]);
    });
  });

  describe('createGuardedConnector', () => {
    it('dials the address it checked while keeping the host name of the URL', async () => {
      const connect = createGuardedConnector({
        timeoutMs: 300,
        lookup: async () => ['127.0.0.1'],
        isAllowed: (ip) => ip === '127.0.0.1',
      });
      const agent = new Agent({ connect });
      const hostHeader: string[] = [];
      const probe = createServer((req, res) => {
        hostHeader.push(req.headers.host ?? '');
        res.writeHead(200).end();
      });
      const port = await listen(probe);
      const response = await request(`http://hooks.test:${port}/`, { dispatcher: agent });
      await response.body.dump();
      await agent.close();
      await close(probe);
      expect(response.statusCode).to.equal(200);
      expect(hostHeader).to.deep.equal([`hooks.test:${port}`]);
    });
  });
});
