import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { createSilentLogger } from '../../src/platform/index.js';
import { createWebhookReceiver } from '../../src/webhooks/index.js';
import { createTestProject, startApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';

async function emitTo(
  app: Awaited<ReturnType<typeof startApp>>,
  projectId: string,
  url: string,
  n: number,
) {
  const ids: string[] = [];
  await app.runtime.db.transaction(async (trx) => {
    for (let i = 0; i < n; i++) {
      const [event] = await app.runtime.services.events.append(trx, {
        projectId,
        streamType: 'test',
        streamId: `iso_${Date.now()}_${i}_${Math.random()}`,
        events: [{ type: 'message.sent', data: { i } }],
      });
      await app.runtime.services.scheduleWebhook(trx, {
        projectId,
        event: { id: event.id, type: event.type, createdAt: event.createdAt, data: event.data },
        urls: [url],
      });
      ids.push(event.id);
    }
  });
  return ids;
}

describe('webhook endpoint isolation', () => {
  it('delivers to a healthy endpoint promptly while another endpoint hangs', async () => {
    const app = await startApp({ env: { WEBHOOK_RETRY_DELAYS: '5' } });
    const project = await createTestProject(app);
    const release: Array<() => void> = [];
    const stuck = createWebhookReceiver({
      secret: project.webhookSecret,
      logger: createSilentLogger(),
      respond: () => new Promise<number>((resolve) => release.push(() => resolve(200))),
    });
    const inFlight = () => release.length;
    const healthy = createWebhookReceiver({
      secret: project.webhookSecret,
      logger: createSilentLogger(),
    });
    const stuckUrl = (await stuck.start()).url;
    const healthyUrl = (await healthy.start()).url;
    try {
      await emitTo(app, project.id, stuckUrl, 30);
      await eventually(async () => (inFlight() >= 5 ? true : undefined));
      const started = Date.now();
      const ids = await emitTo(app, project.id, healthyUrl, 20);
      for (const id of ids) await healthy.waitFor((e) => e.id === id, 3000);
      expect(Date.now() - started).to.be.below(2000);
      expect(inFlight(), 'per-endpoint concurrency cap').to.be.at.most(10);
    } finally {
      release.forEach((r) => r());
      await healthy.stop();
      await stuck.stop();
      await app.stop();
    }
  });
});

describe('webhook endpoint isolation on a shared host', () => {
  it("keeps delivering to a host's other URLs, and other projects', while one URL's breaker is open", async () => {
    const app = await startApp({
      env: {
        WEBHOOK_RETRY_DELAYS: '5',
        WEBHOOK_BREAKER_THRESHOLD: '3',
        WEBHOOK_BREAKER_OPEN_MS: '60000',
      },
    });
    const [a, b] = [await createTestProject(app), await createTestProject(app)];
    const received: string[] = [];
    let failures = 0;
    const host = createServer((req, res) => {
      req.resume();
      const failing = req.url?.startsWith('/fail?') ?? false;
      if (failing) failures += 1;
      else received.push(String(req.headers['webhook-id']));
      res.writeHead(failing ? 500 : 200).end();
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    try {
      // A callback per event, as with ?order=: one endpoint all the same.
      for (let i = 0; i < 30; i++) await emitTo(app, a.id, `${origin}/fail?order=${i}`, 1);
      await eventually(async () => (failures >= 3 ? true : undefined));
      const ids = [
        ...(await emitTo(app, a.id, `${origin}/ok`, 5)),
        ...(await emitTo(app, b.id, `${origin}/fail-free`, 5)),
      ];
      await eventually(async () => (ids.every((id) => received.includes(id)) ? true : undefined));
      expect(failures, "the failing URL's breaker parks it").to.be.below(30);
    } finally {
      host.closeAllConnections();
      await new Promise((resolve) => host.close(resolve));
      await app.stop();
    }
  });
});

describe('SSRF guard with private addresses disallowed', () => {
  it('refuses a loopback webhook_url at registration and at send time', async () => {
    const app = await startApp({
      env: { WEBHOOK_ALLOW_PRIVATE: 'false', WEBHOOK_RETRY_DELAYS: '0.05' },
    });
    const project = await createTestProject(app);
    const receiver = createWebhookReceiver({
      secret: project.webhookSecret,
      logger: createSilentLogger(),
    });
    const { url } = await receiver.start();
    try {
      const api = clientFor(app.url, project.apiKey);
      for (const bad of [
        url,
        'http://10.0.0.1/hook',
        'http://169.254.169.254/latest',
        'not a url',
        'ftp://example.com/x',
      ]) {
        const res = await api('PATCH', '/v1/project', { body: { webhook_url: bad } });
        expect(res.status, bad).to.equal(422);
        expect(res.body.code, bad).to.equal('invalid_callback_url');
        expect(res.body.errors, bad).to.deep.equal([
          { path: '/webhook_url', message: res.body.detail },
        ]);
      }
      const [id] = await emitTo(app, project.id, url, 1);
      const failed = await eventually(async () => {
        const list = await api<{
          data: Array<{ event_id: string; status: string; last_error: string }>;
        }>('GET', '/v1/webhook-deliveries');
        const found = list.body.data.find((d) => d.event_id === id);
        return found?.status === 'failed' ? found : undefined;
      });
      expect(failed.last_error).to.match(/not a public address/);
      expect(receiver.events).to.have.length(0);
    } finally {
      await receiver.stop();
      await app.stop();
    }
  });
});
