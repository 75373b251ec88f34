import { expect } from 'chai';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor, eventually } from '../support/http.js';

/** Number lookups are cached per process; a change on one instance reaches the others. */
describe('number lookups across API instances', () => {
  let a: TestApp;
  let b: TestApp;
  before(async () => {
    a = await startApp({ roles: { worker: false } });
    b = await startApp({ roles: { worker: false } });
  });
  after(async () => {
    await a.stop();
    await b.stop();
  });

  it('refuses a sender on every instance once the number is released on one', async () => {
    const project = await createTestProject(a);
    const onA = clientFor(a.url, project.apiKey);
    const onB = clientFor(b.url, project.apiKey);
    const number = '+14155550177';
    const created = await onA('POST', '/v1/numbers', { body: { number } });
    expect(created.status).to.equal(201);
    const message = { from: number, to: '+14155550100', body: 'hi' };
    expect((await onB('POST', '/v1/messages', { body: message })).status).to.equal(201);
    const removed = await onA('DELETE', `/v1/numbers/${created.body.id as string}`);
    expect(removed.status).to.equal(204);
    expect((await onA('POST', '/v1/messages', { body: message })).status).to.equal(422);
    await eventually(async () => {
      const refused = await onB('POST', '/v1/messages', { body: message });
      expect(refused.status).to.equal(422);
      expect(refused.body.code).to.equal('unknown_sender');
      return true;
    });
  });

  it('accepts a sender on every instance as soon as the number is added on one', async () => {
    const project = await createTestProject(a);
    const onA = clientFor(a.url, project.apiKey);
    const onB = clientFor(b.url, project.apiKey);
    const number = '+14155550178';
    const message = { from: number, to: '+14155550100', body: 'hi' };
    expect((await onB('POST', '/v1/messages', { body: message })).status).to.equal(422);
    expect((await onA('POST', '/v1/numbers', { body: { number } })).status).to.equal(201);
    await eventually(async () => {
      expect((await onB('POST', '/v1/messages', { body: message })).status).to.equal(201);
      return true;
    });
  });
});
