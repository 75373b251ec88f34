import { expect } from 'chai';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';
import { createRedis } from '../../src/platform/index.js';
import { createRateLimit } from '../../src/platform/http/rate-limit.js';

describe('rate limits', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp({ roles: { worker: false }, env: { RATE_LIMIT_PER_SECOND: '5' } });
  });
  after(() => app.stop());

  it('answers 429 with Retry-After and RateLimit headers past the per-key limit', async () => {
    const project = await createTestProject(app);
    const api = clientFor(app.url, project.apiKey);
    const responses = await Promise.all(Array.from({ length: 8 }, () => api('GET', '/v1/project')));
    const limited = responses.filter((r) => r.status === 429);
    expect(limited.length).to.be.at.least(3);
    const res = limited[0];
    expect(res.headers.get('retry-after')).to.match(/^\d+$/);
    expect(res.headers.get('ratelimit-limit')).to.equal('5');
    expect(res.headers.get('ratelimit-remaining')).to.equal('0');
    expect(res.body.code).to.equal('rate_limited');
    const ok = responses.find((r) => r.status === 200)!;
    expect(ok.headers.get('ratelimit-limit')).to.equal('5');
  });

  it("uses the project's own limit when it has one", async () => {
    const project = await createTestProject(app);
    await app.runtime.services.accounts.updateProject(project.id, { rate_limit_per_second: 50 });
    const api = clientFor(app.url, project.apiKey);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => api('GET', '/v1/project')),
    );
    expect(responses.every((r) => r.status === 200)).to.equal(true);
    expect(responses[0].headers.get('ratelimit-limit')).to.equal('50');
  });

  it("limits an end user's token at the project's own rate too", async () => {
    const project = await createTestProject(app);
    await app.runtime.services.accounts.updateProject(project.id, { rate_limit_per_second: 2 });
    const minted = await clientFor(app.url, project.apiKey)('POST', '/v1/tokens', {
      body: { identity: 'bob' },
    });
    const bob = clientFor(app.url, minted.body.token as string);
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => bob('GET', '/v1/conversations')),
    );
    expect(responses.filter((r) => r.status === 429).length).to.be.at.least(3);
    expect(responses[0].headers.get('ratelimit-limit')).to.equal('2');
  });
});

describe('rate limits while Redis is down', () => {
  it('count in the process at once instead of waiting for Redis', async () => {
    // Nothing listens on port 1: the client stays "connecting", as during an outage.
    const redis = createRedis('redis://127.0.0.1:1', { lazyConnect: false });
    redis.on('error', () => undefined);
    try {
      const limit = createRateLimit({ redis, prefix: 'rl-down', defaultPerSecond: 3 });
      const outcomes: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const req = { auth: { kind: 'key', keyId: 'key_down', projectId: 'prj_down' } };
        const res = { set: () => undefined };
        const started = Date.now();
        const verdict = await Promise.race([
          Promise.resolve(limit(req as never, res as never, () => outcomes.push('allowed'))).catch(
            (err: { status?: number }) => void outcomes.push(String(err.status)),
          ),
          new Promise((resolve) => setTimeout(() => resolve('waited'), 1_000)),
        ]);
        expect(verdict, 'answered without waiting for Redis').not.to.equal('waited');
        expect(Date.now() - started).to.be.below(1_000);
      }
      expect(outcomes).to.deep.equal(['allowed', 'allowed', 'allowed', '429', '429']);
    } finally {
      redis.disconnect();
    }
  });
});
