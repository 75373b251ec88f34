import { expect } from 'chai';
import type { Db } from '../../src/platform/index.js';
import { callDuration, statusesBefore, type CallStatus } from '../../src/voice/call-status.js';
import { createCallsStore, type CallRow } from '../../src/voice/calls.store.js';
import { createTestProject, startApp, type TestApp } from '../support/harness.js';
import { queuedCallRow } from './voice-fixtures.js';

const at = (iso: string) => new Date(`2026-01-01T00:00:${iso}Z`);

/**
 * The status UPDATE of the orchestrator (one statement, no read first) against the status
 * machine and the timestamps call-events.ts gives a locked row.
 */
describe('calls store: changeStatus', () => {
  let app: TestApp;
  let db: Db;
  let store: ReturnType<typeof createCallsStore>;
  let projectId: string;
  let n = 0;

  before(async () => {
    app = await startApp({ roles: { worker: false, orchestrator: false } });
    db = app.runtime.db;
    store = createCallsStore(db);
    projectId = (await createTestProject(app, 'calls-store')).id;
  });
  after(() => app.stop());

  async function newCall(): Promise<CallRow> {
    n += 1;
    const row = queuedCallRow(`call_TEST${String(n).padStart(22, '0')}`, projectId, {
      at: at('00.000'),
    });
    await db.transaction((trx) => store.insert(trx, row));
    return row;
  }

  const move = (id: string, status: CallStatus, when: Date, extra?: Partial<CallRow>) =>
    db.transaction((trx) =>
      store.changeStatus(trx, id, { status, from: statusesBefore(status), at: when, extra }),
    );

  it('sets started_at once, answered_at, then ended_at and whole seconds of duration', async () => {
    const call = await newCall();
    const initiated = await move(call.id, 'initiated', at('01.000'), { channel_id: call.id });
    expect(initiated).to.include({ status: 'initiated', channel_id: call.id });
    expect(initiated?.started_at?.toISOString()).to.equal(at('01.000').toISOString());
    const ringing = await move(call.id, 'ringing', at('02.000'));
    expect(ringing?.started_at?.toISOString(), 'kept').to.equal(at('01.000').toISOString());
    const answered = await move(call.id, 'in-progress', at('03.250'));
    expect(answered?.answered_at?.toISOString()).to.equal(at('03.250').toISOString());
    const ended = await move(call.id, 'completed', at('05.249'), {
      hangup_cause: 'normal_clearing',
    });
    expect(ended).to.include({ status: 'completed', hangup_cause: 'normal_clearing' });
    expect(ended?.ended_at?.toISOString()).to.equal(at('05.249').toISOString());
    expect(ended?.duration).to.equal(callDuration(at('03.250'), at('05.249')));
    expect(ended?.duration).to.equal(1);
  });

  it('gives a call that was never answered a duration of 0', async () => {
    const call = await newCall();
    await move(call.id, 'initiated', at('01.000'));
    const busy = await move(call.id, 'busy', at('09.000'));
    expect(busy).to.include({ status: 'busy', duration: 0, answered_at: null });
  });

  it('changes nothing when the status machine refuses the move', async () => {
    const call = await newCall();
    await move(call.id, 'initiated', at('01.000'));
    await move(call.id, 'in-progress', at('02.000'));
    expect(await move(call.id, 'ringing', at('03.000')), 'backwards').to.equal(undefined);
    expect(await move(call.id, 'busy', at('03.000')), 'answered').to.equal(undefined);
    await move(call.id, 'completed', at('04.000'));
    expect(await move(call.id, 'failed', at('05.000')), 'final').to.equal(undefined);
    const row = await store.find(call.id);
    expect(row).to.include({ status: 'completed', duration: 2 });
  });

  it('starts an inbound-style call at ringing when it was never initiated', async () => {
    const call = await newCall();
    const ringing = await move(call.id, 'ringing', at('07.000'));
    expect(ringing?.started_at?.toISOString()).to.equal(at('07.000').toISOString());
    await move(call.id, 'no-answer', at('09.000'));
  });
});
