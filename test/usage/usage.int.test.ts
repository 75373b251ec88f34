import { expect } from 'chai';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';

describe('GET /v1/usage', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp();
  });
  after(() => app.stop());

  it('counts outbound segments once sent and inbound messages per UTC day', async () => {
    const project = await createTestProject(app);
    const api = clientFor(app.url, project.apiKey);
    await api('POST', '/v1/numbers', { body: { number: '+14155550599' } });
    const long = await api<{ id: string; segments: number }>('POST', '/v1/messages', {
      body: { from: '+14155550599', to: '+14155550500', body: 'y'.repeat(200) },
    });
    await api('POST', '/v1/messages', {
      body: { from: '+14155550599', to: '+15005550002', body: 'fails at submit' },
    });
    await api('POST', '/sandbox/v1/sms', {
      body: { from: '+14155550500', to: '+14155550599', body: 'hello' },
    });
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const usage = await eventually(async () => {
      const res = await api<{ data: Array<Record<string, number | string>> }>(
        'GET',
        `/v1/usage?start=${yesterday}&end=${today}`,
      );
      const day = res.body.data.find((d) => d.date === today);
      return day && day.sms_outbound_segments === long.body.segments && day.sms_inbound === 1
        ? res.body
        : undefined;
    });
    expect(usage.data).to.have.length(2);
    expect(usage.data[0]).to.deep.equal({
      date: yesterday,
      sms_outbound_segments: 0,
      sms_inbound: 0,
      call_seconds_outbound: 0,
      call_seconds_inbound: 0,
    });
  });

  it('answers 400 to a missing or reversed range', async () => {
    const project = await createTestProject(app);
    const api = clientFor(app.url, project.apiKey);
    expect((await api('GET', '/v1/usage?start=2026-11-01')).status).to.equal(400);
    expect((await api('GET', '/v1/usage?start=2026-11-30&end=2026-11-01')).status).to.equal(400);
    expect((await api('GET', '/v1/usage?start=2026-11-01&end=nope')).status).to.equal(400);
  });
});
