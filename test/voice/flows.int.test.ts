import { expect } from 'chai';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';
import { exampleFlow, SAY_AND_END } from './voice-fixtures.js';

type Api = ReturnType<typeof clientFor>;

describe('/v1/flows', () => {
  let app: TestApp;
  let api: Api;
  let other: Api;

  before(async () => {
    app = await startApp();
    api = clientFor(app.url, (await createTestProject(app, 'flows')).apiKey);
    other = clientFor(app.url, (await createTestProject(app, 'flows-other')).apiKey);
  });
  after(() => app.stop());

  describe('POST /v1/flows', () => {
    it('stores the flow with version 1 active', async () => {
      const res = await api('POST', '/v1/flows', {
        body: { name: 'ivr', definition: exampleFlow('ivr-menu') },
      });
      expect(res.status).to.equal(201);
      expect(res.body).to.include({ name: 'ivr', active_version: 1, latest_version: 1 });
      expect(res.body.id).to.match(/^flow_/);
      expect(res.body.definition).to.deep.equal(exampleFlow('ivr-menu'));
    });

    it('answers 422 invalid_flow with pointers under /definition', async () => {
      const res = await api('POST', '/v1/flows', {
        body: { name: 'bad', definition: { start: 'a', steps: { a: { verb: 'dance' } } } },
      });
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('invalid_flow');
      expect(res.body.errors).to.deep.include.members([
        {
          path: '/definition/steps/a/verb',
          message: (res.body.errors as { message: string }[])[0].message,
        },
      ]);
    });

    it('answers 400 to unknown request fields', async () => {
      const res = await api('POST', '/v1/flows', {
        body: { name: 'x', definition: SAY_AND_END, colour: 'red' },
      });
      expect(res.status).to.equal(400);
    });
  });

  describe('POST /v1/flows/validate', () => {
    it('answers 200 { valid: true } for every example flow', async () => {
      for (const name of ['ivr-menu', 'voicemail', 'appointment-reminder'] as const) {
        const res = await api('POST', '/v1/flows/validate', {
          body: { definition: exampleFlow(name) },
        });
        expect(res.status, name).to.equal(200);
        expect(res.body).to.deep.equal({ valid: true });
      }
    });

    const rules: Array<[string, unknown, string]> = [
      ['an unknown verb', { start: 'a', steps: { a: { verb: 'dance' } } }, '/steps/a/verb'],
      [
        'an unknown field',
        { start: 'a', steps: { a: { verb: 'say', text: 'x', colour: 'red' } } },
        '/steps/a/colour',
      ],
      ['a missing start step', { start: 'nope', steps: { a: { verb: 'hangup' } } }, '/start'],
      [
        'a transition to no step',
        { start: 'a', steps: { a: { verb: 'say', text: 'x', next: 'b' } } },
        '/steps/a/next',
      ],
      [
        'a cycle that never waits for the caller',
        {
          start: 'a',
          steps: {
            a: { verb: 'say', text: 'x', next: 'b' },
            b: { verb: 'pause', seconds: 1, next: 'a' },
          },
        },
        '/steps/a',
      ],
      [
        'more than 200 steps',
        {
          start: 's0',
          steps: Object.fromEntries(
            Array.from({ length: 201 }, (_, i) => [`s${i}`, { verb: 'hangup' }]),
          ),
        },
        '/steps',
      ],
      [
        'more than 4,000 characters of text',
        { start: 'a', steps: { a: { verb: 'say', text: 'x'.repeat(4001) } } },
        '/steps/a/text',
      ],
      [
        'digits outside 0-9*#',
        { start: 'a', steps: { a: { verb: 'gather', branches: { x: 'a' } } } },
        '/steps/a/branches/x',
      ],
    ];
    for (const [rule, definition, path] of rules) {
      it(`answers 422 with the pointer ${path} for ${rule}`, async () => {
        const res = await api('POST', '/v1/flows/validate', { body: { definition } });
        expect(res.status).to.equal(422);
        expect(res.body.code).to.equal('invalid_flow');
        const paths = (res.body.errors as { path: string }[]).map((e) => e.path);
        expect(paths).to.include(path);
      });
    }

    it('answers 422 flow_too_large past 256 KB', async () => {
      const steps = Object.fromEntries(
        Array.from({ length: 100 }, (_, i) => [
          `s${i}`,
          { verb: 'say', text: 'x'.repeat(3000), ...(i < 99 && { next: `s${i + 1}` }) },
        ]),
      );
      const res = await api('POST', '/v1/flows/validate', {
        body: { definition: { start: 's0', steps } },
      });
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('flow_too_large');
    });
  });

  describe('versions', () => {
    let flowId: string;
    before(async () => {
      flowId = (await api('POST', '/v1/flows', { body: { name: 'v', definition: SAY_AND_END } }))
        .body.id as string;
    });

    it('adds version 2 without activating it, then activates it', async () => {
      const changed = { ...SAY_AND_END, variables: { v: '2' } };
      const created = await api('POST', `/v1/flows/${flowId}/versions`, {
        body: { definition: changed },
      });
      expect(created.status).to.equal(201);
      expect(created.body).to.include({ flow_id: flowId, version: 2, active: false });
      expect((await api('GET', `/v1/flows/${flowId}`)).body.active_version).to.equal(1);

      const activated = await api('POST', `/v1/flows/${flowId}/versions/2/activate`);
      expect(activated.status).to.equal(200);
      expect(activated.body).to.include({ active_version: 2, latest_version: 2 });
      expect(activated.body.definition, 'as GET shows it').to.deep.equal(changed);
      const flow = await api('GET', `/v1/flows/${flowId}`);
      expect(flow.body.definition).to.deep.equal(changed);

      const versions = await api('GET', `/v1/flows/${flowId}/versions`);
      expect(
        (versions.body.data as { version: number; active: boolean }[]).map((v) => [
          v.version,
          v.active,
        ]),
      ).to.deep.equal([
        [2, true],
        [1, false],
      ]);
    });

    it('pages the versions, newest first, with limit and cursor', async () => {
      await api('POST', `/v1/flows/${flowId}/versions`, { body: { definition: SAY_AND_END } });
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `limit=2&cursor=${cursor}` : 'limit=2';
        const page = await api('GET', `/v1/flows/${flowId}/versions?${query}`);
        expect(page.status).to.equal(200);
        seen.push(...(page.body.data as { version: number }[]).map((v) => v.version));
        cursor = page.body.next_cursor as string | null;
      } while (cursor);
      expect(seen).to.deep.equal([3, 2, 1]);
      expect((await api('GET', `/v1/flows/${flowId}/versions?limit=0`)).status).to.equal(400);
      const forged = await api('GET', `/v1/flows/${flowId}/versions?cursor=garbage`);
      expect(forged.status).to.equal(400);
      expect(forged.body.code).to.equal('invalid_cursor');
    });

    it('answers 404 for a version that does not exist, and 400 for one no version can be', async () => {
      expect((await api('POST', `/v1/flows/${flowId}/versions/9/activate`)).status).to.equal(404);
      const huge = await api('POST', `/v1/flows/${flowId}/versions/3000000000/activate`);
      expect(huge.status).to.equal(400);
      const simulated = await api('POST', `/v1/flows/${flowId}/simulate`, {
        body: { version: 3000000000, events: [] },
      });
      expect(simulated.status).to.equal(400);
    });

    it("answers 404 for another project's flow, whatever the route", async () => {
      expect((await other('GET', `/v1/flows/${flowId}`)).status).to.equal(404);
      expect((await other('GET', `/v1/flows/${flowId}/versions`)).status).to.equal(404);
      expect(
        (await other('POST', `/v1/flows/${flowId}/versions`, { body: { definition: SAY_AND_END } }))
          .status,
      ).to.equal(404);
      expect((await other('POST', `/v1/flows/${flowId}/versions/1/activate`)).status).to.equal(404);
      expect((await other('POST', `/v1/flows/${flowId}/simulate`, { body: {} })).status).to.equal(
        404,
      );
    });

    it('lists the flows of the project only', async () => {
      const mine = await api('GET', '/v1/flows?limit=200');
      expect((mine.body.data as { id: string }[]).map((f) => f.id)).to.include(flowId);
      const theirs = await other('GET', '/v1/flows');
      expect((theirs.body.data as { id: string }[]).map((f) => f.id)).not.to.include(flowId);
    });
  });

  describe('POST /v1/flows/{id}/simulate', () => {
    it('runs the IVR: 2 → voicemail, # ends the recording, goodbye, hangup', async () => {
      const flow = await api('POST', '/v1/flows', {
        body: { name: 'ivr', definition: exampleFlow('ivr-menu') },
      });
      const res = await api('POST', `/v1/flows/${flow.body.id}/simulate`, {
        body: { inputs: ['2', '#'] },
      });
      expect(res.status).to.equal(200);
      expect(res.body.ended_by).to.equal('hangup');
      const path = (res.body.transcript as { step: string; outcome: string }[]).map(
        (e) => `${e.step}:${e.outcome}`,
      );
      expect(path).to.deep.equal([
        'welcome:played',
        'menu:matched',
        'voicemail:recorded',
        'goodbye:played',
        'end:hangup',
      ]);
    });

    it('runs the flow with no inputs when the request has no body at all', async () => {
      const flow = await api('POST', '/v1/flows', {
        body: { name: 'no body', definition: SAY_AND_END },
      });
      const res = await api('POST', `/v1/flows/${flow.body.id}/simulate`);
      expect(res.status).to.equal(200);
      expect(res.body).to.have.property('transcript');
    });

    it('follows a redirect into another flow of the project', async () => {
      const target = await api('POST', '/v1/flows', {
        body: { name: 't', definition: SAY_AND_END },
      });
      const source = await api('POST', '/v1/flows', {
        body: {
          name: 's',
          definition: { start: 'go', steps: { go: { verb: 'redirect', flow_id: target.body.id } } },
        },
      });
      const res = await api('POST', `/v1/flows/${source.body.id}/simulate`, { body: {} });
      expect(res.body.ended_by).to.equal('hangup');
      expect((res.body.transcript as { step: string }[]).map((e) => e.step)).to.deep.equal([
        'go',
        'hello',
        'bye',
      ]);
    });
  });

  describe('checkFlow (numbers)', () => {
    it('answers 422 unknown_flow for a voice_flow_id the project does not have', async () => {
      const res = await api('POST', '/v1/numbers', {
        body: { number: '+14155550111', voice_flow_id: 'flow_01J00000000000000000000000' },
      });
      expect(res.status).to.equal(422);
      expect(res.body.code).to.equal('unknown_flow');
    });
  });
});
