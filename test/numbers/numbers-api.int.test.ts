import { expect } from 'chai';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';

describe('/v1/numbers', () => {
  let app: TestApp;
  let api: ReturnType<typeof clientFor>;

  before(async () => {
    app = await startApp({ roles: { worker: false, orchestrator: false } });
    api = clientFor(app.url, (await createTestProject(app, 'numbers')).apiKey);
  });
  after(() => app.stop());

  it('refuses an empty sms_url or voice_flow_id with 422, on create and on update', async () => {
    const emptyUrl = await api('POST', '/v1/numbers', {
      body: { number: '+14155550771', sms_url: '' },
    });
    expect(emptyUrl.status).to.equal(422);
    expect(emptyUrl.body.code).to.equal('invalid_callback_url');
    const emptyFlow = await api('POST', '/v1/numbers', {
      body: { number: '+14155550771', voice_flow_id: '' },
    });
    expect(emptyFlow.status).to.equal(422);
    const created = await api('POST', '/v1/numbers', {
      body: { number: '+14155550771', sms_url: 'https://example.com/sms', help_text: '' },
    });
    expect(created.status).to.equal(201);
    const patched = await api('PATCH', `/v1/numbers/${created.body.id}`, {
      body: { sms_url: '' },
    });
    expect(patched.status).to.equal(422);
    const cleared = await api('PATCH', `/v1/numbers/${created.body.id}`, {
      body: { sms_url: null },
    });
    expect(cleared.status).to.equal(200);
    expect(cleared.body.sms_url).to.equal(null);
  });
});
