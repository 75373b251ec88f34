import { expect } from 'chai';
import { createPbxSimulator, type PbxSimulator } from '../../src/connectors/index.js';
import { createSilentLogger } from '../../src/platform/index.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';
import { SAY_AND_END, uniqueNumber, callInStatus, type Api } from './voice-fixtures.js';

/** The flow the call is placed with: its step names differ from SAY_AND_END's. */
const ORIGINAL = {
  start: 'first',
  steps: { first: { verb: 'say', text: 'The old flow.', next: 'last' }, last: { verb: 'hangup' } },
};

/**
 * A redirect that arrives while the call rings: the orchestrator holds the call (and its flow)
 * in memory, so the new flow must reach it too. The PBX the test owns rings for 1.5 s.
 */
describe('redirecting a call before it is answered', function () {
  this.timeout(30_000);
  let pbx: PbxSimulator;
  let app: TestApp;
  let api: Api;
  let from: string;

  const statusOf = (callId: string, wanted: string) => callInStatus(api, callId, wanted, 10_000);

  before(async () => {
    pbx = createPbxSimulator({
      logger: createSilentLogger(),
      username: 'ari',
      password: 'secret',
      timing: { ringMs: 10, answerMs: 1500 },
    });
    const { url } = await pbx.start();
    app = await startApp({ env: { ARI_URL: url } });
    api = clientFor(app.url, (await createTestProject(app, 'redirect')).apiKey);
    from = uniqueNumber();
    await api('POST', '/v1/numbers', { body: { number: from } });
  });
  after(async () => {
    await app.stop();
    await pbx.stop();
  });

  it('starts the new flow when a ringing call is answered', async () => {
    const target = await api('POST', '/v1/flows', {
      body: { name: 'new', definition: SAY_AND_END },
    });
    const placed = await api('POST', '/v1/calls', {
      body: { to: '+14155550100', from, flow: ORIGINAL },
    });
    const callId = placed.body.id as string;
    await statusOf(callId, 'ringing');
    const res = await api('POST', `/v1/calls/${callId}/redirect`, {
      body: { flow_id: target.body.id },
    });
    expect(res.status).to.equal(200);
    expect(res.body.flow_id).to.equal(target.body.id);
    await statusOf(callId, 'completed');
    const timeline = await api<{ data: { type: string; step?: string }[] }>(
      'GET',
      `/v1/calls/${callId}/events`,
    );
    const steps = timeline.body.data.filter((e) => e.step).map((e) => e.step);
    expect(steps).to.deep.equal(['hello', 'bye']);
  });
});
