import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';
import type { Orchestrator } from '../../src/voice/orchestrator/orchestrator.js';
import { createFakeMedia, createTestOrchestrator } from './fake-pbx.js';
import { callInStatus, inboundCallTo, uniqueNumber, type Api } from './voice-fixtures.js';

/** What a test of the orchestrator on the fake PBX works with (set by the kit's hooks). */
export interface FakePbxKit {
  app: TestApp;
  api: Api;
  orchestrator: Orchestrator;
  /** A fresh fake PBX for every test. */
  fake: ReturnType<typeof createFakeMedia>;
  /** The number of the last `callIn`. */
  did: string;
  /** A number with this flow, and an inbound call to it on `channelId`; the call's id. */
  callIn(definition: unknown, channelId: string): Promise<string>;
  /** Once the call has `status`: its steps as `step:outcome`, in order. */
  stepsOf(callId: string, status: string): Promise<string[]>;
}

/**
 * Registers mocha hooks that start an app without its orchestrator and a test orchestrator
 * attached to a new fake PBX before each test; the kit's fields are set by them.
 */
export function useFakePbx(): FakePbxKit {
  const kit = {} as FakePbxKit;
  before(async () => {
    kit.app = await startApp({ roles: { orchestrator: false } });
    kit.api = clientFor(kit.app.url, (await createTestProject(kit.app, 'orchestrator')).apiKey);
    kit.orchestrator = createTestOrchestrator(kit.app);
  });
  beforeEach(() => {
    kit.fake = createFakeMedia();
    kit.orchestrator.attach(kit.fake.media);
  });
  afterEach(() => kit.orchestrator.stop());
  after(() => kit.app.stop());

  kit.callIn = async (definition, channelId) => {
    const flow = await kit.api('POST', '/v1/flows', { body: { name: 'f', definition } });
    kit.did = uniqueNumber();
    await kit.api('POST', '/v1/numbers', {
      body: { number: kit.did, voice_flow_id: flow.body.id },
    });
    kit.fake.ring(channelId, kit.did);
    return inboundCallTo(kit.api, kit.did);
  };
  kit.stepsOf = async (callId, status) => {
    await callInStatus(kit.api, callId, status);
    const res = await kit.api<{ data: { step?: string; outcome?: string }[] }>(
      'GET',
      `/v1/calls/${callId}/events`,
    );
    return res.body.data.filter((e) => e.step).map((e) => `${e.step}:${e.outcome}`);
  };
  return kit;
}
