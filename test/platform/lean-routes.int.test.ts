import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import {
  ConflictError,
  createMetrics,
  createRequestListener,
  type LeanRoute,
} from '../../src/platform/index.js';
import { capturingLogger } from '../support/log-lines.js';

/** A server whose request listener serves one lean route ahead of a one-route Express app. */
async function serve() {
  const { logger, lines } = capturingLogger('info');
  const metrics = createMetrics();
  const app = express();
  app.get('/v1/things/:id/echo', (_req, res) => res.json({ from: 'express' }));
  const route: LeanRoute = {
    method: 'POST',
    path: '/v1/things/:id/echo',
    async handle(req, res) {
      const body = req.body as { fail?: string };
      if (body.fail === 'conflict') throw new ConflictError('Already echoed.');
      if (body.fail === 'bug') throw new Error('a bug with a secret inside');
      req.log.info({ thing: req.params.id }, 'echoing');
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ id: req.params.id, body, ip: req.ip, raw: req.rawBody.length }));
    },
  };
  const server: Server = createServer(
    createRequestListener({ app, routes: [route], logger, metrics, trustProxy: false }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  return {
    lines,
    url,
    post,
    metrics: () => metrics.registry.metrics(),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('lean routes ahead of Express', () => {
  let http: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    http = await serve();
  });
  after(() => http.close());

  it('serves its method and path with decoded params, the parsed body and the raw bytes', async () => {
    const res = await http.post('/v1/things/a%20b/echo', '{"n":1}');
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({
      id: 'a b',
      body: { n: 1 },
      ip: '127.0.0.1',
      raw: 7,
    });
    const other = await fetch(`${http.url}/v1/things/x/echo`);
    expect(await other.json()).to.deep.equal({ from: 'express' });
  });

  it('drops a leading byte order mark before parsing, and keeps it in the raw bytes', async () => {
    const res = await fetch(`${http.url}/v1/things/bom/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"n":2}')]),
    });
    expect(await res.json())
      .to.include({ id: 'bom', raw: 10 })
      .and.deep.include({ body: { n: 2 } });
  });

  it('puts the request id on the handler’s lines and on the access line', async () => {
    await http.post('/v1/things/t1/echo?token=s3cret', '{}', { 'x-request-id': 'lean-1' });
    await settle();
    expect(http.lines.find((l) => l.thing === 't1')).to.include({
      msg: 'echoing',
      request_id: 'lean-1',
    });
    const access = http.lines.find(
      (l) => l.msg === 'request completed' && l.request_id === 'lean-1',
    );
    expect(access?.req).to.deep.equal({
      method: 'POST',
      url: '/v1/things/t1/echo?token=[redacted]',
    });
    expect(access?.res).to.deep.equal({ status: 200 });
  });

  it('answers a known error as its problem, and anything else as a logged 500', async () => {
    const conflict = await http.post('/v1/things/t2/echo', '{"fail":"conflict"}');
    expect(conflict.status).to.equal(409);
    expect(conflict.headers.get('content-type')).to.equal(
      'application/problem+json; charset=utf-8',
    );
    expect(await conflict.json()).to.include({ status: 409, instance: '/v1/things/t2/echo' });
    const bug = await http.post('/v1/things/t3/echo', '{"fail":"bug"}', {
      'x-request-id': 'bug-1',
    });
    expect(bug.status).to.equal(500);
    const problem = (await bug.json()) as { detail: string };
    expect(problem.detail).not.to.contain('secret');
    await settle();
    expect(http.lines.find((l) => l.msg === 'unhandled error')).to.include({
      request_id: 'bug-1',
      level: 50,
    });
  });

  it('counts its answers under the route in the metrics', async () => {
    await http.post('/v1/things/t4/echo', 'not json');
    const text = await http.metrics();
    expect(text).to.contain(
      'http_requests_total{method="POST",route="/v1/things/:id/echo",status="200"}',
    );
    expect(text).to.contain(
      'http_requests_total{method="POST",route="/v1/things/:id/echo",status="400"}',
    );
  });
});
