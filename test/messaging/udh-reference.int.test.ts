import { expect } from 'chai';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';

describe('concatenation references', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp({ roles: { worker: false } });
  });
  after(() => app.stop());

  it('gives concurrent long messages to one phone distinct references', async () => {
    const project = await createTestProject(app);
    const api = clientFor(app.url, project.apiKey);
    await api('POST', '/v1/numbers', { body: { number: '+14155550741' } });
    // Random references gave 60 such messages only 52 distinct ones.
    const sent = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        api<{ id: string; segments: number }>('POST', '/v1/messages', {
          body: { from: '+14155550741', to: '+14155550742', body: `${i} `.padEnd(200, 'x') },
        }),
      ),
    );
    expect(sent.every((s) => s.status === 201 && s.body.segments === 2)).to.equal(true);
    const references = await app.runtime
      .db('messages')
      .whereIn(
        'id',
        sent.map((s) => s.body.id),
      )
      .pluck('udh_reference');
    expect(new Set(references).size).to.equal(60);
  });
});
