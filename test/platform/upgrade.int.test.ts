import { request } from 'node:http';
import { expect } from 'chai';
import { startApp, type TestApp } from '../support/harness.js';

interface Answer {
  status: number;
  body: string;
  /** Whether the server closed the connection after answering. */
  closed: boolean;
}

/** One request with the given headers on a fresh connection; resolves once the server closes it. */
function send(
  base: string,
  options: { method?: string; path: string; headers: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(options.path, base), {
      method: options.method ?? 'GET',
      headers: options.headers,
      agent: false,
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        res.socket.once('close', () => resolve({ status: res.statusCode!, body, closed: true }));
        if (res.socket.destroyed) resolve({ status: res.statusCode!, body, closed: true });
      });
    });
    req.end(options.body);
  });
}

const h2c = {
  Connection: 'Upgrade, HTTP2-Settings',
  Upgrade: 'h2c',
  'HTTP2-Settings': 'AAMAAABkAAQCAAAAAAIAAAAA',
};

describe('requests that ask to upgrade to something not offered', () => {
  let app: TestApp;

  before(async () => {
    app = await startApp();
  });
  after(async () => {
    await app.stop();
  });

  it('serves a request asking for h2c over HTTP/1.1, then closes the connection', async () => {
    const answer = await send(app.url, { path: '/healthz', headers: h2c });
    expect(answer).to.deep.include({ status: 200, closed: true });
    expect(JSON.parse(answer.body)).to.deep.equal({ status: 'ok' });
  });

  it('answers a WebSocket upgrade on another path as the plain request it is (404)', async () => {
    const answer = await send(app.url, {
      path: '/v1/realtime/',
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    expect(answer.status).to.equal(404);
    expect(JSON.parse(answer.body)).to.include({ code: 'not_found' });
  });

  it('refuses an upgrade request with a body with a 400 problem', async () => {
    const answer = await send(app.url, {
      method: 'POST',
      path: '/v1/messages',
      headers: { ...h2c, 'Content-Type': 'application/json' },
      body: '{"to":"+14155550100"}',
    });
    expect(answer).to.deep.include({ status: 400, closed: true });
    expect(JSON.parse(answer.body)).to.include({ code: 'upgrade_not_supported' });
  });
});
