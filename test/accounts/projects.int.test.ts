import { expect } from 'chai';
import { ADMIN_TOKEN, createTestProject, startApp, type TestApp } from '../support/harness.js';
import { call, clientFor } from '../support/http.js';

describe('projects and API keys', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp();
  });
  after(() => app.stop());

  describe('POST /admin/v1/projects', () => {
    it('creates a project and shows its API key and webhook secret once', async () => {
      const res = await call(app.url, 'POST', '/admin/v1/projects', {
        key: ADMIN_TOKEN,
        body: { name: 'acme' },
      });
      expect(res.status).to.equal(201);
      expect(res.body.id).to.match(/^prj_[0-9A-Z]{26}$/);
      expect(res.body.api_key).to.match(/^tk_/);
      expect(res.body.webhook_secret).to.match(/^whsec_/);
      const me = await call(app.url, 'GET', '/v1/project', { key: res.body.api_key as string });
      expect(me.status).to.equal(200);
      expect(me.body).to.include({ id: res.body.id, name: 'acme', webhook_url: null });
      expect(me.body.webhook_secret_hint).to.equal(
        `whsec_...${(res.body.webhook_secret as string).slice(-4)}`,
      );
      expect(JSON.stringify(me.body)).not.to.contain(res.body.webhook_secret);
    });

    it('answers 401 without the admin token and 400 for a missing name', async () => {
      const anonymous = await call(app.url, 'POST', '/admin/v1/projects', { body: { name: 'x' } });
      expect(anonymous.status).to.equal(401);
      expect(anonymous.headers.get('content-type')).to.contain('application/problem+json');
      const wrong = await call(app.url, 'POST', '/admin/v1/projects', {
        key: 'nope',
        body: { name: 'x' },
      });
      expect(wrong.status).to.equal(401);
      const invalid = await call(app.url, 'POST', '/admin/v1/projects', {
        key: ADMIN_TOKEN,
        body: {},
      });
      expect(invalid.status).to.equal(400);
      expect(invalid.body.errors).to.deep.include({ path: '/name', message: 'is required' });
    });

    it('keeps the admin API off (404) when ADMIN_TOKEN is unset', async () => {
      const noAdmin = await startApp({ env: { ADMIN_TOKEN: '' }, roles: { worker: false } });
      try {
        const res = await call(noAdmin.url, 'POST', '/admin/v1/projects', {
          key: ADMIN_TOKEN,
          body: { name: 'x' },
        });
        expect(res.status).to.equal(404);
      } finally {
        await noAdmin.stop();
      }
    });
  });

  describe('API keys', () => {
    it('adds a second key and stops accepting a revoked one at once', async () => {
      const project = await createTestProject(app);
      const created = await call(app.url, 'POST', `/admin/v1/projects/${project.id}/keys`, {
        key: ADMIN_TOKEN,
      });
      expect(created.status).to.equal(201);
      const second = created.body.api_key as string;
      expect((await call(app.url, 'GET', '/v1/project', { key: second })).status).to.equal(200);
      const revoked = await call(app.url, 'DELETE', `/admin/v1/keys/${created.body.id}`, {
        key: ADMIN_TOKEN,
      });
      expect(revoked.status).to.equal(200);
      const after = await call(app.url, 'GET', '/v1/project', { key: second });
      expect(after.status).to.equal(401);
      expect((await call(app.url, 'GET', '/v1/project', { key: project.apiKey })).status).to.equal(
        200,
      );
    });

    it('answers 401 for a missing, malformed or unknown key', async () => {
      for (const key of [undefined, 'garbage', `tk_${'A'.repeat(43)}`]) {
        const res = await call(app.url, 'GET', '/v1/project', { key });
        expect(res.status, String(key)).to.equal(401);
        expect(res.body.type).to.equal('urn:trunkline:problem:unauthorized');
      }
    });

    it("answers 404 for another project's key id on the admin API", async () => {
      const res = await call(app.url, 'DELETE', '/admin/v1/keys/key_01JAAAAAAAAAAAAAAAAAAAAAAA', {
        key: ADMIN_TOKEN,
      });
      expect(res.status).to.equal(404);
    });
  });

  describe('PATCH /v1/project', () => {
    it('sets the webhook URL and name', async () => {
      const project = await createTestProject(app);
      const api = clientFor(app.url, project.apiKey);
      const res = await api('PATCH', '/v1/project', {
        body: { name: 'renamed', webhook_url: 'https://example.com/hooks' },
      });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ name: 'renamed', webhook_url: 'https://example.com/hooks' });
    });

    it('refuses a webhook URL that is not http(s) with 422', async () => {
      const project = await createTestProject(app);
      const res = await clientFor(app.url, project.apiKey)('PATCH', '/v1/project', {
        body: { webhook_url: 'ftp://example.com' },
      });
      expect(res.status).to.equal(422);
    });

    it('rejects unknown fields with 400 naming the field', async () => {
      const project = await createTestProject(app);
      const res = await clientFor(app.url, project.apiKey)('PATCH', '/v1/project', {
        body: { colour: 'red' },
      });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.deep.include({
        path: '/colour',
        message: 'is not an allowed field',
      });
    });
  });

  describe('POST /v1/project/webhook-secret/rotate', () => {
    it('survives concurrent rotations without a deadlock (every one answers 200)', async () => {
      const project = await createTestProject(app);
      const api = clientFor(app.url, project.apiKey);
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => api('POST', '/v1/project/webhook-secret/rotate')),
      );
      expect(responses.map((r) => r.status)).to.deep.equal(Array(10).fill(200));
    });

    it('returns a new secret while the old one keeps signing for 24 hours', async () => {
      const project = await createTestProject(app);
      const res = await clientFor(app.url, project.apiKey)(
        'POST',
        '/v1/project/webhook-secret/rotate',
      );
      expect(res.status).to.equal(200);
      const fresh = res.body.webhook_secret as string;
      expect(fresh)
        .to.match(/^whsec_/)
        .and.not.equal(project.webhookSecret);
      const secrets = await app.runtime.services.accounts.signingSecrets(project.id);
      expect(secrets).to.deep.equal([fresh, project.webhookSecret]);
      const expiry = Date.parse(res.body.previous_secret_expires_at as string);
      expect(expiry - Date.now()).to.be.within(23.9 * 3600_000, 24 * 3600_000);
    });

    it('signs with two secrets at most, however often it is rotated', async () => {
      const project = await createTestProject(app);
      const api = clientFor(app.url, project.apiKey);
      const fresh: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        const res = await api('POST', '/v1/project/webhook-secret/rotate');
        fresh.push(res.body.webhook_secret as string);
      }
      await Promise.all(
        Array.from({ length: 5 }, () => api('POST', '/v1/project/webhook-secret/rotate')),
      );
      const last = (await api('POST', '/v1/project/webhook-secret/rotate')).body.webhook_secret;
      const secrets = await app.runtime.services.accounts.signingSecrets(project.id);
      expect(secrets).to.have.length(2);
      expect(secrets[0]).to.equal(last);
      expect(secrets).to.not.include(fresh[0]);
    });
  });
});
