import { expect } from 'chai';
import type { PbxSimulator } from '../../src/connectors/index.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { clientFor } from '../support/http.js';
import { uniqueNumber, GATHER_THEN_BYE, callInStatus, type Api } from './voice-fixtures.js';

/**
 * The database refuses a call's final write twice (a trigger on the real `calls` table, for
 * this one call): the orchestrator retries instead of leaving the call `in-progress`.
 */
describe('writing the end of a call', function () {
  this.timeout(30_000);
  let app: TestApp;
  let api: Api;
  let pbx: PbxSimulator;
  let from: string;

  before(async () => {
    app = await startApp();
    api = clientFor(app.url, (await createTestProject(app, 'end-retry')).apiKey);
    pbx = app.runtime.services.sandboxPbx()!;
    from = uniqueNumber();
    await api('POST', '/v1/numbers', { body: { number: from } });
    await app.runtime.db.raw(`
      create table test_refuse_call_end (call_id text primary key);
      create sequence test_refuse_call_end_count;
      create function test_refuse_call_end() returns trigger language plpgsql as $$
      begin
        if new.status = 'completed'
           and exists (select 1 from test_refuse_call_end where call_id = new.id)
           and nextval('test_refuse_call_end_count') <= 2 then
          raise exception 'refused by the test';
        end if;
        return new;
      end $$;
      create trigger test_refuse_call_end before update on calls
        for each row execute function test_refuse_call_end();`);
  });
  after(async () => {
    await app.runtime.db.raw(`
      drop trigger test_refuse_call_end on calls;
      drop function test_refuse_call_end();
      drop sequence test_refuse_call_end_count;
      drop table test_refuse_call_end;`);
    await app.stop();
  });

  it('completes a call whose final write failed twice', async () => {
    const placed = await api('POST', '/v1/calls', {
      body: { to: '+14155550100', from, flow: GATHER_THEN_BYE },
    });
    const callId = placed.body.id as string;
    await callInStatus(api, callId, 'in-progress');
    await app.runtime.db('test_refuse_call_end').insert({ call_id: callId });
    await pbx.hangupFarEnd(callId);
    const ended = await callInStatus(api, callId, 'completed');
    expect(ended.hangup_cause).to.equal('normal_clearing');
    const [{ refused }] = (
      await app.runtime.db.raw<{ rows: { refused: string }[] }>(
        'select last_value as refused from test_refuse_call_end_count',
      )
    ).rows;
    expect(Number(refused)).to.equal(3);
  });
});
