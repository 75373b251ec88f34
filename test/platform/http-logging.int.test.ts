import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { createHttpLogger } from '../../src/platform/index.js';
import { capturingLogger } from '../support/log-lines.js';

async function serve(level: string) {
  const { logger, lines } = capturingLogger(level);
  const app = express();
  app.use(createHttpLogger(logger));
  app.get('/work', (req, res) => {
    req.auth = { kind: 'key', projectId: 'prj_1', keyId: 'key_1', rateLimitPerSecond: null };
    req.log.info({ thing: 1 }, 'did the work');
    res.json({ ok: true });
  });
  app.get('/boom', (_req, res) => {
    res.status(503).json({});
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { lines, url, close: () => new Promise((r) => server.close(r)) };
}

describe('request logging', () => {
  it('echoes a sane X-Request-Id and puts it and the project on every line', async () => {
    const { lines, url, close } = await serve('info');
    try {
      const res = await fetch(`${url}/work?token=s3cret&x=1`, {
        headers: { 'x-request-id': 'abc-123' },
      });
      expect(res.headers.get('x-request-id')).to.equal('abc-123');
      await new Promise((r) => setTimeout(r, 20));
      const work = lines.find((l) => l.msg === 'did the work');
      expect(work).to.include({ request_id: 'abc-123', project_id: 'prj_1' });
      const access = lines.find((l) => l.msg === 'request completed');
      expect(access).to.include({ request_id: 'abc-123', project_id: 'prj_1', level: 30 });
      expect(access?.req).to.deep.equal({ method: 'GET', url: '/work?token=[redacted]&x=1' });
      expect(access?.res).to.deep.equal({ status: 200 });
      expect(JSON.stringify(lines)).not.to.contain('s3cret');
    } finally {
      await close();
    }
  });

  it('replaces an unsafe request id with its own', async () => {
    const { url, close } = await serve('info');
    try {
      const res = await fetch(`${url}/work`, { headers: { 'x-request-id': 'bad id\u00e9' } });
      expect(res.headers.get('x-request-id')).to.match(/^req_[0-9a-f-]{36}$/);
    } finally {
      await close();
    }
  });

  it('logs only server errors when the level is above info', async () => {
    const { lines, url, close } = await serve('warn');
    try {
      await fetch(`${url}/work`);
      await fetch(`${url}/boom`);
      await new Promise((r) => setTimeout(r, 20));
      expect(lines.map((l) => [l.msg, l.res?.status, l.level])).to.deep.equal([
        ['request completed', 503, 50],
      ]);
    } finally {
      await close();
    }
  });
});
