import { expect } from 'chai';
import { startApp, type TestApp } from '../support/harness.js';

describe('a graceful stop begins with a drain', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp({ roles: { worker: false, orchestrator: false } });
  });
  after(() => app.stop());

  it('answers on, not ready and with Connection: close, so clients leave their sockets', async () => {
    const before = await fetch(`${app.url}/readyz`);
    expect(before.status).to.equal(200);
    expect(before.headers.get('connection')).to.not.equal('close');
    const draining = app.runtime.drain(500);
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).to.equal(503);
    expect(await ready.json()).to.deep.include({ checks: { draining: false } });
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).to.equal(200);
    expect(health.headers.get('connection')).to.equal('close');
    await draining;
  });
});
